"""Compare two runs' templates: what is new in the target, what is gone, what changed share most.

A stage like the others: records frames (templates mined together) in, a frame out. Shares, not
rates, are compared (a template's share of all lines of its run), by a 2x2 G-test, so a longer or
busier target run does not make everything look "up".
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rca.signals.detect import g_statistic

MIN_G = 3.84  # the G statistic above which a share differs at p < 0.05 (chi-squared, 1 degree of freedom)


def template_diff(base: pl.DataFrame, target: pl.DataFrame, *, by_service: bool) -> pl.DataFrame:
    """One row per template (per service and template when ``by_service``) seen in either run:
    ``count_base``, ``count_target``, ``share_base``, ``share_target``, ``kind`` (new, gone, up,
    down) and ``g``; strongest change first. Changes with ``g`` below ``MIN_G`` are left out.
    """
    keys = ["service", "template_id"] if by_service else ["template_id"]

    def counts(records: pl.DataFrame, name: str) -> pl.DataFrame:
        extra = [] if by_service else [pl.col("service").first()]
        return records.group_by(keys).agg(pl.len().alias(name), pl.col("template").first(), *extra)

    table = counts(base, "count_base").join(counts(target, "count_target"), on=keys, how="full", coalesce=True)
    table = table.with_columns(
        pl.col("count_base", "count_target").fill_null(0),
        template=pl.coalesce("template_right", "template"),
        service=pl.coalesce("service_right", "service") if not by_service else pl.col("service"),
    ).drop("template_right", *(["service_right"] if not by_service else []))
    return scored(table, base.height, target.height)


def scored(table: pl.DataFrame, n_base: int, n_target: int) -> pl.DataFrame:
    """``table`` (with ``count_base``, ``count_target``, ``template_id``, ``service``) with the shares
    of runs of ``n_base`` and ``n_target`` lines, ``kind`` and ``g``; changes below ``MIN_G`` left out."""
    n_base, n_target = max(1, n_base), max(1, n_target)
    g = g_statistic(table.get_column("count_target").to_numpy().astype(float), n_target,
                    table.get_column("count_base").to_numpy().astype(float), n_base)
    table = table.with_columns(
        share_base=pl.col("count_base") / n_base,
        share_target=pl.col("count_target") / n_target,
        g=pl.Series(np.round(g, 3)),
    )
    kind = (
        pl.when(pl.col("count_base") == 0).then(pl.lit("new"))
        .when(pl.col("count_target") == 0).then(pl.lit("gone"))
        .when(pl.col("share_target") > pl.col("share_base")).then(pl.lit("up"))
        .otherwise(pl.lit("down"))
    )
    return (
        table.with_columns(kind=kind)
        .filter(pl.col("g") >= MIN_G)
        .sort(["g", "template_id", "service"], descending=[True, False, False], nulls_last=True)
    )
