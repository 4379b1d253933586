"""Records: lines without a header of their own join the record above as its ``body``."""

from __future__ import annotations

import polars as pl

from rca.read.levels import keyword_level


# A runtime's own report that the process is dying, written to stderr without a header (Go's
# ``fatal error: runtime: out of memory`` and ``panic: ...``, V8's ``FATAL ERROR: Reached heap
# limit``, the JVM's ``Exception in thread "main"`` and ``Terminating due to
# java.lang.OutOfMemoryError``, CPython's ``Fatal Python error:``): not the record above going on,
# but a record of its own, said when that one was.
_CRASH = r'^(?:fatal error: |panic: |FATAL ERROR: |Fatal Python error: |Exception in thread "|Terminating due to java\.lang\.)'
# What a headerless record takes from the record above it: when and where it was said.
_INHERITED = ("ts", "timestamp", "service", "layout", "outer")


def join_continuations(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Join lines without a header to the record above as its ``body``; return records and how many joined.

    Lines before the first header have no record above, so each stands as its own record
    (with no timestamp). So does a runtime's report that the process is dying (``_CRASH``),
    with the time and service of the record above. A record keeps the line number of its first
    line. A frame of several files' lines numbers them in its ``file`` column: no record reaches
    into the next file.
    """
    started = pl.col("is_start").cast(pl.UInt32).cum_sum()
    before_first = (started.over("file") if "file" in frame.columns else started) == 0
    crash = ~pl.col("is_start") & ~before_first & pl.col("raw").str.contains(_CRASH)

    def above(column: str) -> pl.Expr:
        """The value of the last record (a line with a header) above each line, in its file."""
        last = pl.when(pl.col("is_start")).then(pl.col(column)).forward_fill()
        return last.over("file") if "file" in frame.columns else last

    # A wrapper's line (Docker's JSON, a collector's record) gives it its own time and pod: only
    # what it lacks comes from above.
    wrapped = pl.col("outer").is_not_null() if "outer" in frame.columns else pl.lit(False)
    inherited = [
        pl.when(crash & (pl.col(c).is_null() | ~wrapped)).then(above(c)).otherwise(pl.col(c)).alias(c)
        for c in _INHERITED if c in frame.columns
    ]
    alone = before_first | crash
    message = pl.when(alone).then(pl.col("raw").str.strip_chars()).otherwise(pl.col("message"))
    frame = frame.with_columns(
        *inherited,
        message=message,
        is_start=pl.col("is_start") | alone,
        # Their level can only come from words in them (read now: they had no message before).
        level=pl.when(alone & pl.col("level").is_null()).then(keyword_level(message)).otherwise(pl.col("level")),
    )
    continued = int(frame.height - frame.get_column("is_start").sum())
    if continued == 0:
        return frame.with_columns(body=pl.lit(None, dtype=pl.String)).drop("is_start"), 0
    frame = frame.with_columns(record=pl.col("is_start").cast(pl.UInt32).cum_sum())
    bodies = (
        frame.filter(~pl.col("is_start"))
        .group_by("record", maintain_order=True)
        .agg(body=pl.col("raw").str.join("\n"))
    )
    records = frame.filter(pl.col("is_start")).join(bodies, on="record", how="left", maintain_order="left")
    return records.drop("record", "is_start"), continued
