"""`rca templates` and `rca analyze` run here and with `--scheduler` on a local Dask cluster: wall
time, lines/s, and whether the outputs are the same.

Usage: python bench/dask_speed.py [--lines 1000000] [--small-files 5000] [--workers 2] [--runs 1]

Inputs (built once under bench/out/, git-ignored, seeded): the multi-service incident of
`bench/analyze_speed.py` (one file per service, --lines lines in all), and the folder of many small
files of `bench/small_files.py` (--small-files files; 0 leaves it out).

Starts a `distributed.LocalCluster` of --workers worker processes (one thread each), warms its
workers up (their first task imports rca), then times each command in a fresh process, here and
with `--scheduler`, alternating, --runs times (medians). The CPU and peak memory shown are the
client's, the `rca` process; the workers' own are not counted. Exits non-zero if the JSON of a
command differs between the two runs: results must be the local run's.
"""

from __future__ import annotations

import argparse
import json
import sys

from _run import OUT, RCA, ROOT, figures, medians, run, verdict
from analyze_speed import generate
from small_files import build


def _incident(lines: int) -> str:
    folder = OUT / f"incident-{lines}"
    if not folder.exists():
        print(f"generating about {lines:,} lines -> {folder}", file=sys.stderr)
        generate(folder, lines)
    return str(folder)


def _small_files(files: int) -> str:
    folder = OUT / f"small-files-{files}"
    if not folder.exists():
        print(f"building {files:,} files -> {folder}", file=sys.stderr)
        build(folder.with_suffix(".tmp"), files)
        folder.with_suffix(".tmp").rename(folder)
    return str(folder)


def _lines(folder: str) -> tuple[int, int]:
    from pathlib import Path

    paths = [p for p in Path(folder).rglob("*") if p.is_file()]
    return len(paths), sum(p.read_bytes().count(b"\n") for p in paths)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small-files", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from distributed import LocalCluster

    inputs = [_incident(args.lines)] + ([_small_files(args.small_files)] if args.small_files else [])
    differ = []
    with LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1, dashboard_address=":0",
                      silence_logs=50) as cluster:
        address = cluster.scheduler_address
        run([*RCA, "templates", str(ROOT / "sample_logs" / "checkout-outage"), "--json", "--scheduler", address])
        print(f"cluster: {args.workers} worker processes, 1 thread each, at {address} (warmed up)")
        for folder in inputs:
            files, lines = _lines(folder)
            print(f"\ninput: {folder.split('/')[-1]}/, {files:,} files, {lines:,} lines")
            for command in ("templates", "analyze"):
                argv = [*RCA, command, folder, "--json"]
                here, there = [], []
                for _ in range(args.runs):
                    here.append(run(argv))
                    there.append(run([*argv, "--scheduler", address]))
                local, remote = medians(here), medians(there)
                print(figures(f"rca {command} DIR --json", local, lines))
                print(figures(f"rca {command} DIR --json --scheduler (client)", remote, lines))
                same = json.loads(local.stdout) == json.loads(remote.stdout)
                print(f"    {remote.wall_s / local.wall_s:.2f}x the local wall time; outputs {'equal' if same else 'DIFFER'}")
                if not same:
                    differ.append(f"rca {command} {folder}")
    print()
    return verdict(differ, failed="outputs DIFFER", met="outputs equal")


if __name__ == "__main__":
    sys.exit(main())
