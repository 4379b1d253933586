"""Leave systems out: Loghub accuracy on systems and layouts that took no part in choosing settings.

Usage: python bench/loghub_folds.py [--data ../shared/datasets/loghub-2k]

The 12 systems, sorted by name, form 3 folds of 4 (fixed up front):

    fold 1: Android Apache BGL HDFS    fold 2: HPC Hadoop Linux OpenSSH    fold 3: OpenStack Spark Windows Zookeeper

For each fold, the settings (Drain's similarity and depth, header inference's independence
threshold, and which value delimiters split tokens) are chosen on the other 8 systems (best mean
of GA + FGA; the defaults win ties), and the 4 held-out systems are measured with them. Every system is read with the layout it is in removed from the library
(whether its own, like ``cfdr-ras``, or a common one, like ``syslog``), so its header has to be
learned: the layout is unseen as well as the system. Prints each fold, the average over the 12
held-out measurements, and next to it the all-12 figure with the full library and the defaults.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loghub_accuracy as la  # noqa: E402

import rca.mine.templates as parse  # noqa: E402
import rca.read.choose as choose  # noqa: E402
import rca.read.infer as infer  # noqa: E402
from rca.read.ingest import ingest  # noqa: E402
from rca.settings import Settings  # noqa: E402

FOLDS = tuple(tuple(la.SYSTEMS[i : i + 4]) for i in range(0, 12, 4))
# Settings chosen per fold: Drain's similarity and depth, header inference's independence
# threshold, and which value delimiters split tokens ("" none, "|,;=" values, "+()" brackets too).
SPLITS = {"none": "", "values": "|,;=", "values+brackets": "|,;=()[]{}"}
GRID = [
    (sim, depth, indep, split)
    for sim in (0.6, 0.7, 0.8)
    for depth in (4, 5, 6)
    for indep in (0.3, 0.5, 0.7)
    for split in SPLITS
]
DEFAULT = (0.7, 5, infer.INDEPENDENCE, next(k for k, v in SPLITS.items() if v == parse.VALUE_DELIMITERS))
FULL_LIBRARY = choose.LIBRARY


def _read_unseen(system: str, data: Path, indep: float, own: str) -> tuple[object, str]:
    """Read ``system`` with the layout named ``own`` out of the library."""
    choose.LIBRARY = tuple(layout for layout in FULL_LIBRARY if layout.name != own)
    saved, infer.INDEPENDENCE = infer.INDEPENDENCE, indep
    try:
        records, summary = ingest([str(data / system / f"{system}_2k.log")], Settings())
        return records, summary.sources[0].format
    finally:
        choose.LIBRARY = FULL_LIBRARY
        infer.INDEPENDENCE = saved


def _scores(data: Path, normal: dict[str, dict[str, float | str]]) -> dict[tuple[tuple[float, int, float, str], str], dict[str, float | str]]:
    out = {}
    saved = parse.VALUE_DELIMITERS
    try:
        for indep in sorted({c[2] for c in GRID}):
            read = {s: _read_unseen(s, data, indep, str(normal[s]["format"])) for s in la.SYSTEMS}
            for config in (c for c in GRID if c[2] == indep):
                parse.VALUE_DELIMITERS = SPLITS[config[3]]
                settings = Settings(sim_threshold=config[0], tree_depth=config[1])
                for s in la.SYSTEMS:
                    records, fmt = read[s]
                    out[config, s] = la.score(records, fmt, s, data, settings)  # type: ignore[arg-type]
    finally:
        parse.VALUE_DELIMITERS = saved
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=la.DEFAULT_DATA)
    args = parser.parse_args()
    if not args.data.exists():
        print(f"no Loghub data at {args.data}", file=sys.stderr)
        return 2
    normal = {s: la.evaluate(s, args.data, Settings()) for s in la.SYSTEMS}
    print("all 12, full library, default settings:")
    for s in la.SYSTEMS:
        r = normal[s]
        print(f"  {s:<10} {r['format']:<16} GA {r['GA']:.3f}  FGA {r['FGA']:.3f}  header {r['header']:.3f}")
    ga = sum(float(normal[s]["GA"]) for s in la.SYSTEMS) / 12
    fga = sum(float(normal[s]["FGA"]) for s in la.SYSTEMS) / 12
    print(f"  average    GA {ga:.3f}  FGA {fga:.3f}\n")
    scores = _scores(args.data, normal)
    held: list[dict[str, float | str]] = []
    for number, fold in enumerate(FOLDS, 1):
        tuning = [s for s in la.SYSTEMS if s not in fold]

        def fit(config: tuple[float, int, float, str], tuning: list[str] = tuning) -> float:
            return sum(float(scores[config, s]["GA"]) + float(scores[config, s]["FGA"]) for s in tuning) / len(tuning)

        best = max(GRID, key=lambda c: (round(fit(c), 6), c == DEFAULT))
        rows = [scores[best, s] for s in fold]
        held += rows
        print(f"fold {number}: tuned on {', '.join(tuning)}")
        print(
            f"  chosen: similarity {best[0]}, depth {best[1]}, independence {best[2]}, split {best[3]} "
            f"(tuning mean GA+FGA {fit(best):.3f}; defaults {fit(DEFAULT):.3f})"
        )
        for r in rows:
            print(f"  {r['system']:<10} read as {r['format']:<10} GA {r['GA']:.3f}  FGA {r['FGA']:.3f}  header {r['header']:.3f}")
        print(
            f"  held-out average: GA {sum(float(r['GA']) for r in rows) / 4:.3f}  "
            f"FGA {sum(float(r['FGA']) for r in rows) / 4:.3f}  worst GA {min(float(r['GA']) for r in rows):.3f}\n"
        )
    ga_h = sum(float(r["GA"]) for r in held) / len(held)
    fga_h = sum(float(r["FGA"]) for r in held) / len(held)
    header_h = min(float(r["header"]) for r in held)
    print(f"held out, 3 folds: GA {ga_h:.3f}  FGA {fga_h:.3f}  lowest header {header_h:.3f}  lowest GA {min(float(r['GA']) for r in held):.3f}")
    print(f"all 12 in-sample:  GA {ga:.3f}  FGA {fga:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
