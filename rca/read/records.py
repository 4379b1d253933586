"""Records: lines without a header of their own join the record above as its ``body``."""

from __future__ import annotations

import polars as pl

from rca.read.levels import keyword_level


def join_continuations(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Join lines without a header to the record above as its ``body``; return records and how many joined.

    Lines before the first header have no record above, so each stands as its own record
    (with no timestamp). A record keeps the line number of its first line. A frame of several
    files' lines numbers them in its ``file`` column: no record reaches into the next file.
    """
    started = pl.col("is_start").cast(pl.UInt32).cum_sum()
    before_first = (started.over("file") if "file" in frame.columns else started) == 0
    message = pl.when(before_first).then(pl.col("raw").str.strip_chars()).otherwise(pl.col("message"))
    frame = frame.with_columns(
        message=message,
        is_start=pl.col("is_start") | before_first,
        # Their level can only come from words in them (read now: they had no message before).
        level=pl.when(before_first & pl.col("level").is_null()).then(keyword_level(message)).otherwise(pl.col("level")),
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
