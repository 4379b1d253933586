"""Levels: the header's level word normalised to TRACE..FATAL, an access log's status code, or,
for records whose header has none, a keyword in the message."""

from __future__ import annotations

import polars as pl

from rca.read.choose import Plan
from rca.read.words import LEVEL_DTYPE, LEVEL_OF_WORD

_ERROR_WORDS = r"(?i)\b(?:error|errors|exception|exceptions|failed|failure|fail|fails|failing|traceback|refused|unreachable)\b"
_FATAL_WORDS = r"(?i)\b(?:fatal|panic|panicked|emergency|critical|crash|crashed|oom|out of memory)\b"
_WARN_WORDS = r"(?i)\b(?:warn|warning|warnings|deprecated|timeout|timed out|retrying|retry|denied|invalid)\b"


def normalise_level(text: pl.Expr) -> pl.Expr:
    """Map level words and numbers (``warning``, ``E``, ``err``, ``50``) to TRACE..FATAL; others to null.

    Numbers follow bunyan/pino (10..60) and syslog severities (0..7).
    """
    word = text.str.strip_chars().str.strip_chars("[]").str.to_lowercase().str.replace(r"^.*:", "")
    return word.replace_strict(LEVEL_OF_WORD, default=None, return_dtype=pl.String).cast(LEVEL_DTYPE)


# A level word that opens the message, as a marker (``[ERROR] http: panic serving ...``, ``WARN:``):
# the level a header would have held, said before any word of the text.
_LEADING_LEVEL = (
    r"^\s*[\[<(]?((?i:trace|debug|info|notice|warn|warning|error|err|severe|fatal|crit|critical|panic|emerg))[\]>):]"
)


def keyword_level(message: pl.Expr) -> pl.Expr:
    """A level guessed from words in the message, for lines whose header has none: a level word
    that opens it as a marker, else the gravest kind of word in it."""
    leading = message.str.extract(_LEADING_LEVEL, 1).str.to_lowercase()
    return pl.coalesce(
        leading.replace_strict(LEVEL_OF_WORD, default=None, return_dtype=pl.String).cast(LEVEL_DTYPE),
        _gravest_word(message),
    )


def _gravest_word(message: pl.Expr) -> pl.Expr:
    return (
        pl.when(message.str.contains(_FATAL_WORDS))
        .then(pl.lit("FATAL"))
        .when(message.str.contains(_ERROR_WORDS))
        .then(pl.lit("ERROR"))
        .when(message.str.contains(_WARN_WORDS))
        .then(pl.lit("WARN"))
        .otherwise(None)
        .cast(LEVEL_DTYPE)
    )


def status_level(message: pl.Expr) -> pl.Expr:
    """Access logs: 5xx is an error, 4xx a warning, the rest information."""
    status = message.str.extract(r"\"\s+(\d{3})\s", 1).cast(pl.Int32, strict=False)
    return (
        pl.when(status >= 500)
        .then(pl.lit("ERROR"))
        .when(status >= 400)
        .then(pl.lit("WARN"))
        .when(status.is_not_null())
        .then(pl.lit("INFO"))
        .otherwise(None)
        .cast(LEVEL_DTYPE)
    )


def _normalised(text: pl.Series) -> pl.Expr:
    """``text`` normalised (see ``normalise_level``), worked out once per distinct value: a file
    has a handful of level words and a million lines."""
    distinct = text.drop_nulls().unique()
    levels = pl.select(normalise_level(pl.lit(distinct))).to_series()
    return pl.lit(text).replace_strict(distinct, levels, default=None, return_dtype=LEVEL_DTYPE)


def levels(frame: pl.DataFrame, plan: Plan) -> pl.Series:
    """Each record's level: a wrapper's (a CSV column), else its header's, else its status code
    (access logs), else keywords in its message."""
    text = frame.select(pl.coalesce("outer_level", "level")).to_series()
    level = _normalised(text)
    by_status = [i for i, layout in enumerate(plan.all) if layout.level_from_status]
    if by_status:
        level = pl.coalesce(level, pl.when(pl.col("layout").is_in(by_status)).then(status_level(pl.col("message"))))
    known = frame.select(level.alias("level")).to_series()
    if not known.null_count():
        return known  # every header gave a level: no keyword to look for
    # The keyword regexes run only on the messages of lines whose header gave no level.
    expr = pl.coalesce(known, keyword_level(pl.when(known.is_null()).then(pl.col("message"))))
    return frame.select(expr.alias("level")).to_series()
