"""Start-up: `rca analyze` on a bundled scenario against importing polars and drain3, and what imports cost.

Usage: python bench/startup.py [--runs 5] [--scenario sample_logs/checkout-outage/]

Times, in fresh processes, alternately, the median of --runs: `python -c 'import polars, drain3'`
(the floor: what any rca run must load), `rca analyze SCENARIO --json`, and `python -c 'import
rca.cli'` (rca's own imports). Then runs the command once under `python -X importtime` and prints
the packages it imports, by cumulative import time, slowest first.

Exits non-zero if the command takes more than 3x the time of importing polars and drain3, the
target of issue #13.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict

from _run import RCA, ROOT, figures, medians, run

TARGET = 3.0


def import_times(argv: list[str]) -> dict[str, float]:
    """Seconds each package took to import where it was first imported (cumulative: its own
    imports included), and rca's own modules (their own time only)."""
    stderr = subprocess.run([sys.executable, "-X", "importtime", *argv], check=False, capture_output=True, text=True, cwd=ROOT).stderr
    entries = re.findall(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", stderr)
    seconds: dict[str, float] = defaultdict(float)
    ancestors: list[tuple[int, str]] = []
    # Python prints a module after the modules it imported: read backwards, each comes after its importer.
    for own, cumulative, indent, name in reversed(entries):
        depth, root = len(indent), name.split(".")[0]
        while ancestors and ancestors[-1][0] >= depth:
            ancestors.pop()
        if root == "rca":
            seconds["rca (its own modules)"] += int(own) / 1e6
        elif all(root != outer for _, outer in ancestors):
            seconds[root] += int(cumulative) / 1e6
        ancestors.append((depth, root))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", default="sample_logs/checkout-outage/")
    args = parser.parse_args()
    commands = {
        "python -c 'import polars, drain3'": [sys.executable, "-c", "import polars, drain3"],
        "python -c 'import rca.cli'": [sys.executable, "-c", "import rca.cli"],
        f"rca analyze {args.scenario} --json": [*RCA, "analyze", args.scenario, "--json"],
    }
    done: dict[str, list] = {name: [] for name in commands}  # type: ignore[type-arg]
    for _ in range(args.runs):  # alternately, so a busy moment of the machine falls on all of them
        for name, argv in commands.items():
            done[name].append(run(argv))
    median = {name: medians(runs) for name, runs in done.items()}
    for name, result in median.items():
        print(figures(f"{name} (median of {args.runs})", result))
    floor, command = median["python -c 'import polars, drain3'"].wall_s, median[f"rca analyze {args.scenario} --json"].wall_s
    ratio = command / floor
    print(f"rca analyze: {ratio:.1f}x the time of importing polars and drain3 (target <= {TARGET:g}x)")
    print(f"imports of `rca analyze {args.scenario}` (python -X importtime, one run), slowest first:")
    for package, seconds in sorted(import_times(["-m", "rca", "analyze", args.scenario, "--json"]).items(), key=lambda x: -x[1])[:15]:
        print(f"  {package:<36} {seconds:6.3f} s")
    if ratio > TARGET:
        print(f"targets NOT met: rca analyze {ratio:.1f}x > {TARGET:g}x")
        return 1
    print("targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
