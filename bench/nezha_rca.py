"""Root-cause accuracy of `rca analyze` on the Nezha TrainTicket incidents, next to two naive rankers.

Usage: python bench/nezha_rca.py [--data ../shared/datasets/nezha-trainticket] [--layout by_service|logs|both]
                                 [--baseline]

For every case, with no knowledge of the fault time or type, rank services and score the true
root service: AC@k (root in the top k), Avg@5 (mean of AC@1..AC@5), overall and per fault type.
The naive rankers, computed on the same records in the same run:
- "most errors": most ERROR/FATAL lines after the incident start rca found (the loudest service);
- "first error": the service whose first ERROR/FATAL line in the logs comes first.
With ``--baseline``, a baseline model is learned per day from that day's fault-free minute
(``normal/<day>/<layout>``, as ``rca baseline learn`` does) and "rca + baseline" ranks every case
of the day with it (``rca analyze --baseline``), next to rca without it.
Exits non-zero if the code-fault targets (AC@1 >= 0.6, AC@3 >= 0.8 on return/exception) are missed
or rca is not above both naive rankers overall (checked on "rca + baseline" with ``--baseline``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rca.baseline.model import BaselineModel, learn  # noqa: E402
from rca.pipeline import analyze, parse  # noqa: E402
from rca.settings import Settings  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "nezha-trainticket"
CODE_FAULTS = ("return", "exception")
ERRORS = ("ERROR", "FATAL")


def rankings(folder: Path, settings: Settings = Settings(), model: BaselineModel | None = None) -> dict[str, list[str]]:
    """Each ranker's services, best first, for one case folder."""
    analysis = analyze([str(folder)], replace_top(settings))
    rca = [cause.service for cause in analysis.root_causes]
    extra = {}
    if model is not None:
        extra["rca + baseline"] = [c.service for c in analyze([str(folder)], replace_top(settings), model=model).root_causes]
    records = parse([str(folder)], settings).records
    errors = records.filter(pl.col("level").cast(pl.String).is_in(ERRORS))
    start = analysis.incident.start if analysis.incident else None
    after = errors.filter(pl.col("timestamp") >= start) if start else errors
    most = after.group_by("service").len().sort(["len", "service"], descending=[True, False])
    first = errors.group_by("service").agg(pl.col("timestamp").min()).sort("timestamp", "service")
    return {"rca": rca, **extra, "most errors": most.get_column("service").to_list(),
            "first error": first.get_column("service").to_list()}


def replace_top(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, top=10)


def ac(ranked: list[str], root: str, k: int) -> float:
    return 1.0 if root in ranked[:k] else 0.0


def scores(ranked: list[str], root: str) -> dict[str, float]:
    return {"AC@1": ac(ranked, root, 1), "AC@3": ac(ranked, root, 3), "Avg@5": sum(ac(ranked, root, k) for k in range(1, 6)) / 5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--layout", choices=["by_service", "logs", "both"], default="both")
    parser.add_argument("--verbose", "-v", action="store_true", help="print each case's ranking")
    parser.add_argument("--baseline", action="store_true", help="also rank with a baseline model learned from each day's normal minute")
    args = parser.parse_args()
    cases = sorted(p for p in (args.data / "cases").iterdir() if (p / "truth.json").exists())
    layouts = ["by_service", "logs"] if args.layout == "both" else [args.layout]
    ok = True
    for layout in layouts:
        table: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
        models: dict[str, BaselineModel] = {}
        for case in cases:
            truth = json.loads((case / "truth.json").read_text())
            root, fault = truth["root_service"], truth["fault_type"]
            model = None
            if args.baseline:
                day = case.name[:10]
                if day not in models:
                    models[day] = learn([str(args.data / "normal" / day / layout)], Settings(), name=f"nezha-{day}").model
                    print(f"{layout}: learned a baseline from normal/{day}: {models[day].records:,} records, "
                          f"{models[day].template_counts.height} templates, {len(models[day].excluded)} stretches left out")
                model = models[day]
            ranked = rankings(case / layout, model=model)
            for ranker, services in ranked.items():
                s = scores(services, root)
                table[(ranker, fault)].append(s)
                table[(ranker, "code faults")].append(s) if fault in CODE_FAULTS else None
                table[(ranker, "all")].append(s)
                table[(ranker, f"day {case.name[:10]}")].append(s)
            if args.verbose:
                for ranker in [r for r in ("rca", "rca + baseline") if r in ranked]:
                    place = ranked[ranker].index(root) + 1 if root in ranked[ranker] else "-"
                    print(f"{layout:10s} {ranker:15s} {case.name:62s} root at {place}: {', '.join(ranked[ranker][:3])}")
        ok &= report(layout, table)
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


def report(layout: str, table: dict[tuple[str, str], list[dict[str, float]]]) -> bool:
    days = sorted({group for _, group in table if group.startswith("day ")})
    groups = ["all", "code faults", "return", "exception", "cpu_contention", "network_delay", *days]
    print(f"\n{layout}: AC@1 / AC@3 / Avg@5 of the root service")
    rankers = [r for r in ("rca", "rca + baseline", "most errors", "first error") if table[(r, "all")]]
    print(f"{'cases':16s} {'n':>3s}  " + "  ".join(f"{r:>17s}" for r in rankers))
    mean: dict[tuple[str, str], dict[str, float]] = {}
    for group in groups:
        cells = []
        for ranker in rankers:
            rows = table[(ranker, group)]
            m = {k: sum(r[k] for r in rows) / len(rows) for k in ("AC@1", "AC@3", "Avg@5")} if rows else {}
            mean[(ranker, group)] = m
            cells.append(f"{m['AC@1']:.2f} {m['AC@3']:.2f} {m['Avg@5']:.2f}" if m else "-")
        print(f"{group:16s} {len(table[('rca', group)]):3d}  " + "  ".join(f"{c:>17s}" for c in cells))
    best = "rca + baseline" if "rca + baseline" in rankers else "rca"
    code = mean[(best, "code faults")]
    overall = mean[(best, "all")]
    beats = all(overall["Avg@5"] > mean[(r, "all")]["Avg@5"] and overall["AC@1"] > mean[(r, "all")]["AC@1"]
                for r in ("most errors", "first error"))
    met = code["AC@1"] >= 0.6 and code["AC@3"] >= 0.8 and beats
    print(f"targets ({best}): code faults AC@1 >= 0.6 and AC@3 >= 0.8, above both naive rankers overall: "
          + ("met" if met else "missed"))
    return met


if __name__ == "__main__":
    sys.exit(main())
