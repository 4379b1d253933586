"""Read every Nezha TrainTicket case both ways (by_service/ and the raw CSV export) and check services.

Usage: python bench/nezha_read.py [--data ../shared/datasets/nezha-trainticket]

For each case: no error; every record has a timestamp; the services found equal the ones in
truth.json; by_service record counts per service equal truth.json's. Exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rca.pipeline import parse  # noqa: E402
from rca.settings import Settings  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "nezha-trainticket"


def check_case(case: Path) -> list[str]:
    truth = json.loads((case / "truth.json").read_text())
    expected = truth["log_lines_per_service"]
    problems = []
    for layout in ("by_service", "logs"):
        parsed = parse([str(case / layout)], Settings())
        records = parsed.records
        counts = dict(records.group_by("service").len().iter_rows())
        if set(counts) != set(expected):
            problems.append(f"{layout}: services differ: {sorted(set(counts) ^ set(expected))}")
        if layout == "by_service" and counts != expected:
            problems.append(f"{layout}: record counts per service differ from truth.json")
        missing_ts = records.get_column("timestamp").null_count()
        if missing_ts:
            problems.append(f"{layout}: {missing_ts} records without timestamp")
        if parsed.input.continuation_lines and layout == "logs":
            problems.append(f"{layout}: {parsed.input.continuation_lines} CSV rows joined")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    cases = sorted(p for p in (args.data / "cases").iterdir() if p.is_dir()) if args.data.exists() else []
    if not cases:
        print(f"no Nezha cases under {args.data}", file=sys.stderr)
        return 2
    failed = 0
    start = time.perf_counter()
    for case in cases:
        problems = check_case(case)
        failed += bool(problems)
        print(f"{'ok  ' if not problems else 'FAIL'} {case.name}" + "".join(f"\n     {p}" for p in problems))
    print(f"{len(cases) - failed}/{len(cases)} cases read correctly both ways in {time.perf_counter() - start:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
