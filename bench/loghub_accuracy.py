"""Template and header accuracy on the Loghub 2k samples, read through rca's normal ingest path.

Usage: python bench/loghub_accuracy.py [--data ../shared/datasets/loghub-2k] [--sim 0.5 --depth 5]

For every system it reads the raw ``X_2k.log`` with no per-system flags (the format is
detected), mines templates, and compares with the labelled CSV (corrected labels where present):

- GA (group accuracy): share of lines whose predicted group is exactly their true group;
- FGA: F1 of groups (a predicted group counts when its lines equal a true group's lines);
- PA (parsing accuracy): share of lines whose template text equals the true one;
- header: share of lines whose extracted message equals the CSV's ``Content``;
- time: share of lines whose timestamp equals the one the CSV gives (year ignored where the
  log has none).

Exits non-zero when the averages miss the targets (GA >= 0.90, FGA >= 0.85, header >= 0.99 on
every system), so it can gate a change.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from rca.mine.templates import assign_templates  # noqa: E402
from rca.read.ingest import ingest  # noqa: E402
from rca.settings import Settings  # noqa: E402

SYSTEMS = (
    "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "Linux", "OpenSSH", "OpenStack", "Spark", "Windows",
    "Zookeeper",
)  # fmt: skip
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "loghub-2k"

# How to read the true timestamp out of each structured CSV: (columns joined by a space, strptime
# format, whether the log carries the year). Only the benchmark knows these; rca detects them.
TRUE_TIME = {
    "Android": (("Date", "Time"), "%m-%d %H:%M:%S.%f", False),
    "Apache": (("Time",), "%a %b %d %H:%M:%S %Y", True),
    "BGL": (("Time",), "%Y-%m-%d-%H.%M.%S.%f", True),
    "HDFS": (("Date", "Time"), "%y%m%d %H%M%S", True),
    "HPC": (("Time",), "epoch", True),
    "Hadoop": (("Date", "Time"), "%Y-%m-%d %H:%M:%S,%f", True),
    "Linux": (("Month", "Date", "Time"), "%b %d %H:%M:%S", False),
    "OpenSSH": (("Date", "Day", "Time"), "%b %d %H:%M:%S", False),
    "OpenStack": (("Date", "Time"), "%Y-%m-%d %H:%M:%S.%f", True),
    "Spark": (("Date", "Time"), "%y/%m/%d %H:%M:%S", True),
    "Windows": (("Date", "Time"), "%Y-%m-%d %H:%M:%S", True),
    "Zookeeper": (("Date", "Time"), "%Y-%m-%d %H:%M:%S,%f", True),
}


def _truth(folder: Path, system: str) -> list[dict[str, str]]:
    corrected = folder / f"{system}_2k.log_structured_corrected.csv"
    path = corrected if corrected.exists() else folder / f"{system}_2k.log_structured.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _true_time(row: dict[str, str], system: str) -> datetime | None:
    columns, fmt, _ = TRUE_TIME[system]
    text = " ".join(row[c].strip() for c in columns)
    if system == "HDFS":  # the CSV lost the leading zero of 081109
        date, clock = row["Date"].zfill(6), row["Time"].zfill(6)
        text = f"{date} {clock}"
    try:
        if fmt == "epoch":
            return datetime.utcfromtimestamp(int(text))
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def group_scores(truth: list[str], predicted: list[str]) -> tuple[float, float]:
    """GA and FGA of a predicted grouping against the true one (lists aligned by line)."""
    true_groups: dict[str, set[int]] = defaultdict(set)
    pred_groups: dict[str, set[int]] = defaultdict(set)
    for i, (t, p) in enumerate(zip(truth, predicted, strict=True)):
        true_groups[t].add(i)
        pred_groups[p].add(i)
    true_sets = {frozenset(s) for s in true_groups.values()}
    correct_lines = sum(len(s) for s in pred_groups.values() if frozenset(s) in true_sets)
    ga = correct_lines / len(truth)
    exact = sum(1 for s in pred_groups.values() if frozenset(s) in true_sets)
    precision, recall = exact / len(pred_groups), exact / len(true_groups)
    fga = 0.0 if exact == 0 else 2 * precision * recall / (precision + recall)
    return ga, fga


def evaluate(system: str, data: Path, settings: Settings) -> dict[str, float | str]:
    start = time.perf_counter()
    records, summary = ingest([str(data / system / f"{system}_2k.log")], settings)
    return score(records, summary.sources[0].format, system, data, settings, start)


def score(
    records: pl.DataFrame, format_name: str, system: str, data: Path, settings: Settings, start: float | None = None
) -> dict[str, float | str]:
    """Mine templates on records read from ``system``'s log and score them against its labels."""
    folder = data / system
    start = time.perf_counter() if start is None else start
    records = assign_templates(records, sim_threshold=settings.sim_threshold, depth=settings.tree_depth)
    elapsed = time.perf_counter() - start
    by_line = {row["line"]: row for row in records.iter_rows(named=True)}
    truth = _truth(folder, system)
    predicted, header_ok, time_ok, time_total, pa_ok = [], 0, 0, 0, 0
    has_year = TRUE_TIME[system][2]
    for row in truth:
        mine = by_line.get(int(row["LineId"]))
        predicted.append(mine["template_id"] if mine else f"missing-{row['LineId']}")
        if mine is None:
            continue
        header_ok += mine["message"].strip() == row["Content"].strip()
        pa_ok += _norm(mine["template"] or "") == _norm(row["EventTemplate"])
        expected = _true_time(row, system)
        if expected is not None:
            time_total += 1
            got = mine["timestamp"]
            if got is not None:
                got = got.replace(tzinfo=None)
                if not has_year:
                    got = got.replace(year=expected.year)
                time_ok += got == expected
    ga, fga = group_scores([r["EventId"] for r in truth], predicted)
    n = len(truth)
    return {
        "system": system,
        "format": format_name,
        "GA": ga,
        "FGA": fga,
        "PA": pa_ok / n,
        "header": header_ok / n,
        "time": time_ok / time_total if time_total else float("nan"),
        "templates": records.get_column("template_id").n_unique(),
        "true": len({r["EventId"] for r in truth}),
        "seconds": elapsed,
    }


GRID = [(sim, depth) for sim in (0.4, 0.5, 0.6, 0.7, 0.8) for depth in (4, 5, 6)]


def cross_validate(data: Path, systems: list[str]) -> None:
    """Leave one system out: pick (sim, depth) on the other systems, score the one left out.

    If the held-out averages match the in-sample ones, the default generalises to systems it
    was not chosen on; if they fall, the default is tuned to these samples.
    """
    scores = {cfg: {s: evaluate(s, data, Settings(sim_threshold=cfg[0], tree_depth=cfg[1])) for s in systems} for cfg in GRID}
    held_out = []
    for system in systems:
        def others(cfg: tuple[float, int]) -> float:
            rows = [scores[cfg][s] for s in systems if s != system]
            return sum(float(r["GA"]) + float(r["FGA"]) for r in rows) / len(rows)

        best = max(GRID, key=others)
        row = scores[best][system]
        held_out.append(row)
        print(f"{system:<10} chosen on the others: sim={best[0]} depth={best[1]}  GA {row['GA']:.3f}  FGA {row['FGA']:.3f}")
    ga = sum(float(r["GA"]) for r in held_out) / len(held_out)
    fga = sum(float(r["FGA"]) for r in held_out) / len(held_out)
    print(f"held-out average: GA {ga:.3f}  FGA {fga:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sim", type=float, default=Settings().sim_threshold)
    parser.add_argument("--depth", type=int, default=Settings().tree_depth)
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS))
    parser.add_argument("--cross-validate", action="store_true", help="leave-one-system-out check of the defaults")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no Loghub data at {args.data}", file=sys.stderr)
        return 2
    if args.cross_validate:
        cross_validate(args.data, args.systems)
        return 0
    settings = Settings(sim_threshold=args.sim, tree_depth=args.depth)
    rows = [evaluate(s, args.data, settings) for s in args.systems]
    print(f"{'system':<10} {'format':<20} {'GA':>6} {'FGA':>6} {'PA':>6} {'header':>7} {'time':>6} {'tmpl':>5} {'true':>5}")
    for r in rows:
        print(
            f"{r['system']:<10} {r['format']:<20} {r['GA']:6.3f} {r['FGA']:6.3f} {r['PA']:6.3f} {r['header']:7.3f} "
            f"{r['time']:6.3f} {r['templates']:5d} {r['true']:5d}"
        )
    avg = {k: sum(float(r[k]) for r in rows) / len(rows) for k in ("GA", "FGA", "PA", "header", "time")}
    print(
        f"{'average':<31} {avg['GA']:6.3f} {avg['FGA']:6.3f} {avg['PA']:6.3f} {avg['header']:7.3f} {avg['time']:6.3f}"
    )
    ok = avg["GA"] >= 0.90 and avg["FGA"] >= 0.85 and all(float(r["header"]) >= 0.99 for r in rows)
    print("targets met" if ok else "targets NOT met (GA >= 0.90, FGA >= 0.85, header >= 0.99 per system)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
