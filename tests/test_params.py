"""Numbers inside lines: a latency that shifts inside INFO lines is a departure; counters are not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from rca.signals.params import numeric_values, param_shifts, pettitt

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _lines(messages: list[tuple[float, str]], service: str = "ledger", attributes: list[str | None] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "service": service,
            "template_id": "t",
            "template": "entry committed in <*>",
            "timestamp": [T0 + timedelta(seconds=s) for s, _ in messages],
            "message": [m for _, m in messages],
            "attributes": attributes or [None] * len(messages),
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC"), "attributes": pl.String},
    )


def _shifts(frame: pl.DataFrame) -> pl.DataFrame:
    return param_shifts(numeric_values(frame), origin=T0, bucket=timedelta(seconds=10))


def test_units_are_read_and_the_label_is_the_word_before() -> None:
    frame = _lines([(0, "query took 250ms (rows=3) waiting=0")])
    values = numeric_values(frame).select("label", "value", "seconds").rows()
    assert values == [("took", 0.25, True), ("rows", 3.0, False), ("waiting", 0.0, False)]


def test_pettitt_finds_where_the_values_change() -> None:
    values = np.array([1.0, 2, 1, 2, 1, 2, 9, 8, 9, 8])
    assert pettitt(values)[0] == 6


def test_a_latency_shift_inside_info_lines_is_found_with_its_first_record() -> None:
    rng = random.Random(3)
    lines = [(s, f"entry committed in {rng.lognormvariate(3, 0.3):.1f} ms") for s in range(0, 600, 3)]
    lines += [(s, f"entry committed in {25 * rng.lognormvariate(3, 0.3):.1f} ms") for s in range(600, 900, 3)]
    row = _shifts(_lines(lines)).row(0, named=True)
    assert row["rising"] and row["label"] == "in" and row["seconds"]
    assert row["onset"] == T0 + timedelta(seconds=600)
    assert row["incident"] > 10 * row["normal"] and row["g"] > 100


def test_a_counter_or_an_id_that_only_grows_is_not_a_shift() -> None:
    lines = [(s, f"order {52000 + s} placed") for s in range(0, 900, 3)]
    assert _shifts(_lines(lines)).height == 0


def test_noise_without_a_change_is_not_a_shift() -> None:
    rng = random.Random(5)
    lines = [(s, f"entry committed in {rng.lognormvariate(3, 0.5):.1f} ms") for s in range(0, 900, 3)]
    assert _shifts(_lines(lines)).height == 0


def test_pool_waits_in_structured_fields_count() -> None:
    lines = [(s, "pool stats") for s in range(0, 900, 10)]
    attributes = [f'{{"msg": "pool stats", "active": 3, "waiting": {0 if s < 600 else 5 + s // 100}}}' for s, _ in lines]
    shifts = _shifts(_lines(lines, attributes=attributes))
    assert shifts.filter(pl.col("label") == "waiting").get_column("onset").to_list() == [T0 + timedelta(seconds=600)]
