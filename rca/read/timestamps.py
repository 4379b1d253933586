"""Timestamp shapes found in logs, and their parsing to UTC with Polars (one pass per shape).

A shape is a regex whose named groups are the parts of a time: ``Y`` (four-digit year), ``y``
(two-digit year), ``m`` (month number), ``b`` (month name), ``d``, ``H``, ``M``, ``S``, ``f``
(fraction), ``p`` (AM/PM) and ``z`` (zone). Any shape is read the same way: its parts are
brought to one spelling and parsed once. Most files spell their times one way, and a chrono
format that reads them as they stand (checked on a sample against the full parse) does it in a
tenth of the time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from dateutil import parser as dateutil_parser

from rca.errors import UsageError
from rca.regexes import ascii_classes
from rca.read.words import MONTH_NUMBER, MONTH_WORD, WEEKDAY_WORD, ZONE_OFFSETS, ZONE_WORD

UTC_DATETIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Shape:
    """One textual shape of timestamp. ``parts`` names the parts (see the module docstring);
    ``direct`` lists chrono formats that may read the text as it stands."""

    name: str
    parts: str
    direct: tuple[str, ...] = ()
    epoch: bool = False

    @property
    def regex(self) -> str:
        """The shape without its named groups, to embed in a layout's pattern."""
        return re.sub(r"\(\?P<\w+>", "(?:", self.parts)

    @property
    def year_missing(self) -> bool:
        return not self.epoch and not self.date_missing and "(?P<Y>" not in self.parts and "(?P<y>" not in self.parts

    @property
    def date_missing(self) -> bool:
        return not self.epoch and "(?P<d>" not in self.parts


_T2 = r"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})"
_T1 = r"(?P<H>\d{1,2}):(?P<M>\d{1,2}):(?P<S>\d{1,2})"
_F = r"(?:[.,](?P<f>\d{1,9}))?"
_AMPM = r"(?:\s?(?P<p>[AaPp]\.?[Mm]\.?))?"
# A zone: ``Z`` or an offset, or after a space an abbreviation (ASCII word boundary: much faster
# in Polars' engine than Unicode's; ``python_regex`` spells it for Python's).
_ZONE = rf"(?: ?(?P<z>Z|[+-]\d{{2}}(?::?\d{{2}})?)| (?P<z2>{ZONE_WORD})(?-u:\b))?"
_MON = rf"(?P<b>{MONTH_WORD})"
_DAY = rf"(?:{WEEKDAY_WORD},?\s+)?"

ISO_DIRECT = tuple(
    f"%Y-%m-%d{sep}%H:%M:%S{frac}{zone}"
    for sep in ("T", " ")
    for frac in ("%.f", ",%3f", ",%6f", ",%9f")
    for zone in ("", "%#z", " %#z")
)

# Ordered from the most to the least specific: where two shapes read the same text, the earlier wins.
SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Shape("iso8601", rf"(?P<Y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})[T ]{_T2}{_F}{_ZONE}", ISO_DIRECT),
        Shape("weekday-iso", rf"{WEEKDAY_WORD} (?P<Y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})[T ]{_T2}{_F}{_ZONE}"),
        Shape("bgl", r"(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})-(?P<H>\d{2})\.(?P<M>\d{2})\.(?P<S>\d{2})\.(?P<f>\d{1,9})", ("%Y-%m-%d-%H.%M.%S%.f",)),
        Shape("ymd-slash", rf"(?P<Y>\d{{4}})/(?P<m>\d{{2}})/(?P<d>\d{{2}})[T ]{_T2}{_F}{_ZONE}", ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S%.f")),
        Shape("ymd-dot", rf"(?P<Y>\d{{4}})\.(?P<m>\d{{2}})\.(?P<d>\d{{2}})[T -]{_T2}{_F}{_ZONE}"),
        Shape("compact", r"(?P<Y>\d{4})(?P<m>\d{2})(?P<d>\d{2})[T ]?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?(?P<z>Z)?"),
        Shape("compact-clock", rf"(?P<Y>\d{{4}})(?P<m>\d{{2}})(?P<d>\d{{2}})[-T ]{_T1}(?:[.,:](?P<f>\d{{1,9}}))?"),
        Shape("yymmdd", r"(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2}) (?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})", ("%y%m%d %H%M%S",)),
        Shape("yy-slash", rf"(?P<y>\d{{2}})/(?P<m>\d{{2}})/(?P<d>\d{{2}}) {_T2}{_F}", ("%y/%m/%d %H:%M:%S",)),
        Shape("mdy", rf"(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})/(?P<Y>\d{{4}})(?:,? |:){_T1}{_F}{_AMPM}{_ZONE}"),
        Shape("dmy", rf"(?P<d>\d{{1,2}})[./-](?P<m>\d{{1,2}})[./-](?P<Y>\d{{4}})(?:,? |:){_T1}{_F}{_AMPM}{_ZONE}"),
        Shape("d-mon-y", rf"{_DAY}(?P<d>\d{{1,2}})[-/ ]{_MON}[-/ ](?P<Y>\d{{4}})[: T]{_T2}{_F}{_ZONE}", ("%d/%b/%Y:%H:%M:%S %z",)),
        Shape("mon-d-y", rf"{_DAY}{_MON} {{1,2}}(?P<d>\d{{1,2}}),? (?P<Y>\d{{4}}),? {_T1}{_F}{_AMPM}{_ZONE}"),
        Shape("ctime", rf"{_DAY}{_MON} {{1,2}}(?P<d>\d{{1,2}}) {_T2}{_F}(?: (?P<z2>{ZONE_WORD}))? (?P<Y>\d{{4}})", ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S%.f %Y")),
        Shape("syslog", rf"{_DAY}{_MON} {{1,2}}(?P<d>\d{{1,2}}) {_T2}{_F}", ("%Y %b %d %H:%M:%S", "%Y %b %d %H:%M:%S%.f")),
        Shape("month-day", rf"(?P<m>\d{{1,2}})[-./](?P<d>\d{{1,2}})[ T]{_T1}{_F}", ("%Y %m-%d %H:%M:%S%.f",)),
        Shape("klog", rf"(?P<m>\d{{2}})(?P<d>\d{{2}}) {_T2}{_F}"),
        Shape("epoch", r"\d{10}(?:\.\d{1,9})?|\d{13}|\d{16}|\d{19}", epoch=True),
        Shape("time-only", rf"{_T1}{_F}{_AMPM}"),
    )
}


def python_regex(pattern: str) -> str:
    """A pattern written for Polars' engine, for Python's: ``(?-u:\\b)`` is a plain ``\\b``."""
    return pattern.replace("(?-u:\\b)", "\\b")


def check_zone(name: str) -> str:
    """``name`` if it is a time zone this machine knows (``Europe/Paris``, ``UTC``); UsageError if not."""
    if name.upper() in ("UTC", "Z"):
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--tz {name!r} is not a time zone name (try UTC, Europe/Paris or America/New_York)") from None
    return name


def _from_epoch(text: pl.Expr) -> pl.Expr:
    whole = text.str.extract(r"^(\d+)", 1)
    digits = whole.str.len_chars()
    number = text.cast(pl.Float64, strict=False)
    scale = pl.when(digits <= 11).then(1e6).when(digits <= 14).then(1e3).when(digits <= 17).then(1.0).otherwise(1e-3)
    micros = (number * scale).round(0).cast(pl.Int64, strict=False)
    return pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC")


def _in_zone(naive: pl.Expr, tz: str) -> pl.Expr:
    """Naive local times in ``tz`` to UTC; a time skipped by a clock change is unreadable (null)."""
    if tz == "UTC":
        return naive.dt.replace_time_zone("UTC")
    local = naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    return local.dt.convert_time_zone("UTC")


def _with_chrono(text: pl.Expr, fmt: str, tz: str) -> pl.Expr:
    parsed = text.str.to_datetime(fmt, strict=False, time_unit="us", exact=True)
    if "%z" in fmt or "%#z" in fmt or "%:z" in fmt:
        return parsed.dt.convert_time_zone("UTC")
    return _in_zone(parsed, tz)


def zone_minutes(zone: pl.Expr) -> pl.Expr:
    """Minutes east of UTC of a zone text: ``Z``, ``+01:00``, ``-0500``, ``+05``, ``CET``."""
    sign = pl.when(zone.str.starts_with("-")).then(-1).otherwise(1)
    digits = zone.str.replace_all(r"[^0-9]", "")
    hours = digits.str.slice(0, 2).cast(pl.Int32, strict=False)
    minutes = digits.str.slice(2, 2).cast(pl.Int32, strict=False).fill_null(0)
    numeric = sign * (hours * 60 + minutes)
    named = zone.str.to_uppercase().replace_strict(ZONE_OFFSETS, default=None, return_dtype=pl.Int32)
    return pl.when(zone.str.contains(r"^[+-]\d")).then(numeric).otherwise(named)


def _by_parts(text: pl.Expr, shape: Shape, *, year: int, tz: str) -> pl.Expr:
    """Read any shape through its parts: padded, AM/PM resolved, a missing year supplied, zone applied."""
    groups = set(re.findall(r"\(\?P<(\w+)>", shape.parts))
    parts = text.str.strip_chars().str.extract_groups(ascii_classes(f"^(?:{shape.parts})$"))

    def part(name: str) -> pl.Expr:
        return parts.struct.field(name) if name in groups else pl.lit(None, dtype=pl.String)

    two = part("y").cast(pl.Int32, strict=False)
    century = pl.when(two < 69).then(two + 2000).otherwise(two + 1900).cast(pl.String)
    year_text = pl.coalesce(part("Y"), century, pl.lit(str(year)))
    month_of_name = part("b").str.to_lowercase().str.slice(0, 3).replace_strict(
        MONTH_NUMBER, default=None, return_dtype=pl.String
    )
    month = pl.coalesce(part("m"), month_of_name).str.zfill(2)
    hour = part("H").cast(pl.Int32, strict=False)
    meridiem = part("p").str.to_lowercase().str.slice(0, 1)
    hour = pl.when(meridiem == "p").then(hour % 12 + 12).when(meridiem == "a").then(hour % 12).otherwise(hour)
    fraction = (part("f").fill_null("") + "000000").str.slice(0, 6)
    canonical = pl.concat_str(
        year_text, pl.lit("-"), month, pl.lit("-"), part("d").str.zfill(2), pl.lit("T"),
        hour.cast(pl.String).str.zfill(2), pl.lit(":"), part("M").str.zfill(2), pl.lit(":"),
        part("S").str.zfill(2), pl.lit("."), fraction,
    )  # fmt: skip
    naive = canonical.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us", exact=True)
    if "z" not in groups and "z2" not in groups:
        return _in_zone(naive, tz)
    offset = zone_minutes(pl.coalesce(part("z"), part("z2")))
    zoned = naive.dt.replace_time_zone("UTC") - pl.duration(minutes=offset)
    return pl.when(offset.is_not_null()).then(zoned).otherwise(_in_zone(naive, tz))


def parse_timestamps(
    text: pl.Expr, shape: Shape, *, year: int, tz: str = "UTC", user_format: str | None = None
) -> pl.Expr:
    """An expression turning timestamp text of one shape into ``Datetime(us, UTC)`` (null if unreadable).

    ``year`` fills shapes without one; ``tz`` is the zone of times that do not say theirs.

    >>> pl.select(parse_timestamps(pl.lit("081109 203615"), SHAPES["yymmdd"], year=2026)).item()
    datetime.datetime(2008, 11, 9, 20, 36, 15, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    >>> pl.select(parse_timestamps(pl.lit("20171223-22:16:0:119"), SHAPES["compact-clock"], year=2026)).item()
    datetime.datetime(2017, 12, 23, 22, 16, 0, 119000, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    """
    if user_format is not None:
        fmt, text = with_year(user_format, text.str.strip_chars(), year)
        return _with_chrono(text, fmt, tz)
    if shape.epoch:
        return _from_epoch(text.str.strip_chars())
    if shape.date_missing:
        return pl.lit(None, dtype=UTC_DATETIME)
    return _by_parts(text, shape, year=year, tz=tz)


_STRFTIME = {
    "Y": r"\d{4}", "C": r"\d{2}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}", "e": r"\s?\d{1,2}", "H": r"\d{1,2}",
    "I": r"\d{1,2}", "M": r"\d{2}", "S": r"\d{2}", "j": r"\d{1,3}", "f": r"\d+", ".f": r"(?:\.\d+)?",
    "3f": r"\d{3}", "6f": r"\d{6}", "9f": r"\d{9}", "b": "[A-Za-z]+", "h": "[A-Za-z]+", "B": "[A-Za-z]+", "a": "[A-Za-z]+",
    "A": "[A-Za-z]+", "p": "[AaPp][Mm]", "z": r"[+-]\d{2}:?\d{2}", "#z": r"(?:Z|[+-]\d{2}(?::?\d{2})?)", ":z": r"[+-]\d{2}:\d{2}",
    "Z": "[A-Za-z]+", "s": r"\d+", "T": r"\d{2}:\d{2}:\d{2}", "F": r"\d{4}-\d{2}-\d{2}", "D": r"\d{2}/\d{2}/\d{2}",
    "R": r"\d{2}:\d{2}", "%": "%",
}  # fmt: skip


def strftime_regex(fmt: str) -> str:
    """A regex for text a strftime/chrono format writes (``%d/%m %H:%M:%S`` -> ``\\d{1,2}/...``)."""
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            code = next((c for c in (fmt[i + 1 : i + 3], fmt[i + 1]) if c in _STRFTIME), None)
            if code is not None:
                out.append(_STRFTIME[code])
                i += 1 + len(code)
                continue
        out.append(r"\s+" if fmt[i].isspace() else re.escape(fmt[i]))
        i += 1
    return "".join(out)


def with_year(fmt: str, text: pl.Expr, year: int) -> tuple[str, pl.Expr]:
    """A user's strftime format without a year reads ``year``, not year 1."""
    if any(code in fmt for code in ("%Y", "%y", "%G", "%C", "%s", "%+", "%c", "%D", "%F", "%x")):
        return fmt, text
    return "%Y " + fmt, pl.lit(f"{year} ") + text


def _direct(text: pl.Expr, shape: Shape, fmt: str, *, year: int, tz: str) -> pl.Expr:
    text = text.str.strip_chars()
    if shape.year_missing:
        text = pl.lit(f"{year} ") + text
    return _with_chrono(text, fmt, tz)


def direct_format(sample: pl.Series, shape: Shape, *, year: int, tz: str = "UTC") -> str | None:
    """A chrono format that reads ``sample`` as it stands and agrees with the full parse on every value."""
    sample = sample.drop_nulls()
    if sample.len() == 0 or not shape.direct:
        return None
    expected = pl.select(parse_timestamps(pl.lit(sample), shape, year=year, tz=tz)).to_series()
    if expected.null_count() == expected.len():
        return None
    frame = pl.DataFrame({"ts": sample, "expected": expected})
    attempts = [_direct(pl.col("ts"), shape, fmt, year=year, tz=tz) for fmt in shape.direct]
    scores = frame.select(
        *((got == pl.col("expected")).sum().alias(f"agree{i}") for i, got in enumerate(attempts)),
        *((got.is_not_null() & got.ne_missing(pl.col("expected"))).sum().alias(f"wrong{i}") for i, got in enumerate(attempts)),
    ).row(0, named=True)
    best, best_count = None, 0
    for i, fmt in enumerate(shape.direct):
        if scores[f"agree{i}"] > best_count and scores[f"wrong{i}"] == 0:
            best, best_count = fmt, scores[f"agree{i}"]
    return best


_UNSET = "unset"


def parse_column(
    text: pl.Series, shape: Shape, *, year: int, tz: str = "UTC", user_format: str | None = None, direct: str | None = _UNSET
) -> pl.Series:
    """Parse a column of timestamp text: with a direct format first (chosen on a sample unless
    given), the full parse for the values it misses. A time written on several lines in a row
    (a busy second) is parsed once: the first line of each run is parsed, the rest take its value.
    """
    if direct == _UNSET:
        direct = None if user_format else direct_format(text.drop_nulls().head(200), shape, year=year, tz=tz)
    starts = text.ne_missing(text.shift(1))
    if text.len() > 0 and starts.sum() < text.len() // 2:
        starts[0] = True
        first = _parse_each(text.filter(starts), shape, year=year, tz=tz, user_format=user_format, direct=direct)
        return first.gather(starts.cum_sum() - 1)
    return _parse_each(text, shape, year=year, tz=tz, user_format=user_format, direct=direct)


def _parse_each(text: pl.Series, shape: Shape, *, year: int, tz: str, user_format: str | None, direct: str | None) -> pl.Series:
    """Each value read by the first of these that reads it: ``direct`` with its fraction at a fixed
    width (where the values have one), ``direct``, the full parse."""
    frame = text.rename("ts").to_frame()
    full = parse_timestamps(pl.col("ts"), shape, year=year, tz=tz, user_format=user_format)
    if direct is None:
        parsed = frame.select(full).to_series()
        return parsed if user_format is not None else _other_shape(parsed, text, shape, year=year, tz=tz)
    readers = [_direct(pl.col("ts"), shape, fmt, year=year, tz=tz) for fmt in (*_fixed_width(direct, text), direct)]
    parsed = frame.select(readers[0]).to_series()
    for reader in (*readers[1:], full):
        missed = parsed.is_null() & text.is_not_null()
        if not missed.any():
            break
        parsed = parsed.scatter(missed.arg_true(), frame.filter(missed).select(reader).to_series())
    return parsed if user_format is not None else _other_shape(parsed, text, shape, year=year, tz=tz)


def _other_shape(parsed: pl.Series, text: pl.Series, shape: Shape, *, year: int, tz: str) -> pl.Series:
    """``parsed`` with the values of ``text`` it missed read in the shape most of them have, where
    that is another: one file may hold the lines of several loggers that write one field two
    ways (a merged pod log: pino's ``"time":1745794289730``, zerolog's ``"time":"2025-04-27T22:32:40Z"``).

    >>> text = pl.Series(["1745794289730", "2025-04-27T22:32:40Z"])
    >>> _other_shape(pl.Series([datetime(2025, 4, 27, 22, 51, 29, 730000, tzinfo=UTC), None]), text, SHAPES["epoch"],
    ...              year=2025, tz="UTC").to_list()[1]
    datetime.datetime(2025, 4, 27, 22, 32, 40, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
    """
    missed = parsed.is_null() & text.is_not_null()
    if not missed.any():
        return parsed
    sample = text.filter(missed).head(200).str.strip_chars()
    counts = {name: int(sample.str.contains(f"^(?:{other.regex})$").sum()) for name, other in SHAPES.items() if name != shape.name}
    best = max(counts, key=lambda name: counts[name])
    if counts[best] * 2 < sample.len():
        return parsed
    read = text.filter(missed).rename("ts").to_frame().select(parse_timestamps(pl.col("ts"), SHAPES[best], year=year, tz=tz))
    return parsed.scatter(missed.arg_true(), read.to_series())


def _fixed_width(direct: str, text: pl.Series) -> list[str]:
    """``direct`` ending in ``%.f`` (any number of digits) with the width the first values have
    (``.%3f``, ``.%6f``, ``.%9f``): Polars reads such a format four times faster, and where it
    reads a value it reads what ``direct`` does (the values it misses go on to ``direct``)."""
    if not direct.endswith("%.f") or direct.count("%.f") != 1:
        return []  # a fixed width followed by more (``%.f %Y``) would read digits %.f takes
    first = text.drop_nulls().head(20)
    widths = first.str.extract(r"[.](\d+)\s*$", 1).str.len_chars().unique().to_list()
    return [direct.replace("%.f", f".%{widths[0]}f")] if widths in ([3], [6], [9]) else []


def roll_back_future_years(ts: pl.Expr, *, reference: datetime | pl.Expr) -> pl.Expr:
    """For shapes without a year: a time more than a day after the file was written is last year's.
    ``reference``: when the file was written (an expression: each row's file's)."""
    limit = reference + timedelta(days=1) if isinstance(reference, pl.Expr) else pl.lit(reference + timedelta(days=1), dtype=UTC_DATETIME)
    return pl.when(ts > limit).then(ts.dt.offset_by("-1y")).otherwise(ts)


_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|week|weeks)\s*(?:ago)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_user_time(value: str, *, now: datetime | None = None, tz: str = "UTC") -> datetime:
    """Parse a ``--since``/``--until`` value: absolute (``2026-11-23T10:00``) or relative (``1h``, ``30m``).

    Relative times count back from now, as with ``journalctl --since`` and ``kubectl logs --since``.
    Times without a zone are in ``tz`` (UTC unless ``--tz`` says otherwise).
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
        return parsed.replace(tzinfo=ZoneInfo(tz) if tz != "UTC" else UTC).astimezone(UTC)
    return parsed.astimezone(UTC)
