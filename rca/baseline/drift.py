"""Template drift: how far logs have moved from what a baseline model knows.

The logs are mined into the model's parse tree, so known messages get the model's template ids
and anything else a new one. Then, over template frequencies: the share of records on templates
the model never saw in normal logs, the templates that vanished, and two distances between the
model's distribution and the logs' (Jensen-Shannon divergence and the population stability
index, as ML teams use to watch a model's inputs).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rca.baseline.diff import scored
from rca.baseline.model import BaselineModel
from rca.model import Drift, DriftLimits, IngestSummary, ModelRef, TemplateChange
from rca.ranking.evidence import EXAMPLES

MIN_EXPECTED = 5.0  # a template expected this often at its normal share, and absent, has vanished
PSI_FLOOR = 1e-4
NOISE_DRAWS = 40  # samples drawn from the model to see how far chance alone moves the divergence


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits between two frequency vectors (normalised here).

    >>> js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    1.0
    """
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return float(max(0.0, (_rel_entr(p, m).sum() + _rel_entr(q, m).sum()) / 2 / np.log(2)))


def _rel_entr(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``p * log(p / q)``, 0 where ``p`` is 0 (``q`` is positive wherever ``p`` is)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0) / np.where(p > 0, q, 1.0)), 0.0)


def psi(p: np.ndarray, q: np.ndarray) -> float:
    """Population stability index of ``q`` against ``p`` (shares floored at ``PSI_FLOOR``)."""
    p = np.maximum(p / p.sum(), PSI_FLOOR)
    q = np.maximum(q / q.sum(), PSI_FLOOR)
    return float(((q - p) * np.log(q / p)).sum())


def chance_js(base: np.ndarray, n: int, *, draws: int = NOISE_DRAWS, seed: int = 0) -> float:
    """The Jensen-Shannon divergence that sampling alone gives: the 95th percentile over ``draws``
    samples of ``n`` records drawn at the model's frequencies (a few lines never match a big model's
    mix exactly)."""
    if n <= 0 or base.sum() <= 0:
        return 0.0
    rng = np.random.default_rng(seed)
    samples = rng.multinomial(n, base / base.sum(), size=draws)
    return float(np.percentile([js_divergence(base, s.astype(float)) for s in samples], 95))


def drift(model: BaselineModel, records: pl.DataFrame, summary: IngestSummary, limits: DriftLimits = DriftLimits(),
          *, top: int = 10) -> Drift:
    """Compare ``records`` (templates from ``model.template_tree()``) with the model's normal templates."""
    normal = model.template_counts.select("template_id", "template", count_base="count")
    seen = records.group_by("template_id").agg(pl.col("template").first(), pl.col("service").first(), count_target=pl.len())
    table = (
        normal.join(seen, on="template_id", how="full", coalesce=True)
        .with_columns(pl.col("count_base", "count_target").fill_null(0), template=pl.coalesce("template", "template_right"))
        .drop("template_right")
        .sort("template_id")
    )
    base = table.get_column("count_base").to_numpy().astype(float)
    target = table.get_column("count_target").to_numpy().astype(float)
    n_base, n_target = base.sum(), target.sum()
    unknown = (base == 0) & (target > 0)
    vanished = (target == 0) & (base / max(n_base, 1.0) * n_target >= MIN_EXPECTED)
    figures = {
        "unknown_records": int(target[unknown].sum()),
        "unknown_share": round(float(target[unknown].sum() / max(n_target, 1.0)), 6),
        "unknown_templates": int(unknown.sum()),
        "vanished_templates": int(vanished.sum()),
        "vanished_share": round(float(base[vanished].sum() / max(n_base, 1.0)), 6),
        "js_divergence": round(js_divergence(base, target), 6) if n_base and n_target else 0.0,
        "js_by_chance": round(chance_js(base, int(n_target)), 6),
        "psi": round(psi(base, target), 6) if n_base and n_target else 0.0,
    }
    reasons = [
        f"{label} {figures[key]:.3g} is over {limit:g}"
        for label, key, limit in (
            ("the share of records on unknown templates", "unknown_share", limits.max_unknown_share),
            ("the share of normal lines on vanished templates", "vanished_share", limits.max_vanished_share),
        )
        if figures[key] > limit
    ]
    js, chance = figures["js_divergence"], figures["js_by_chance"]
    if js > limits.max_js_divergence and js > chance:
        reasons.append(f"the Jensen-Shannon divergence {js:.3g} is over {limits.max_js_divergence:g}"
                       + (f" (chance alone gives up to {chance:.3g} with this many records)" if chance > 0.001 else ""))
    changes = scored(table, int(n_base), int(n_target)).head(top)
    return Drift(
        model=ModelRef(model.name, model.version, model.learned_at, model.checksum, model.records, model.template_counts.height),
        input=summary,
        records=int(n_target),
        **figures,  # type: ignore[arg-type]
        limits=limits,
        verdict="drift" if reasons else "stable",
        reasons=tuple(reasons),
        changes=tuple(
            TemplateChange.from_row(
                row, row["service"] if row["count_target"] else None,
                records.filter(pl.col("template_id") == row["template_id"]).head(EXAMPLES),
            )
            for row in changes.iter_rows(named=True)
        ),
    )
