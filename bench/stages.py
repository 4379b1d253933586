"""Where the time of `rca analyze` (or `rca templates`) goes, stage by stage, measured with pyinstrument.

Usage: python bench/stages.py [--lines 1000000] [--command analyze|templates] [--runs 3] [--tree]
       python bench/stages.py --path sample_logs/checkout-outage/
       (pip install pyinstrument first; the input is bench/stream_speed.py's folder of that size,
       or --path)

Runs the command in a fresh process under pyinstrument's sampling profiler, imports included, and
sums the samples by stage: each sample goes to the innermost stage of its call stack that a rule
below names (reading: lines, layout choice, header extraction, timestamps, levels, records; mining:
masking, deduplication, Drain, joining templates back; analysis: features, detection, parameters,
calls, causal graph, ranking, evidence; imports; output). Polars runs on all cores while a stage
waits for it, so the seconds are wall time; each is the median of --runs runs (this machine is
shared, so single runs vary). --tree prints pyinstrument's own call tree of one run instead.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from _run import ROOT, run
from stream_speed import ensure

DRAIN = "mine: Drain (distinct masked messages)"
# (path ending, function or None for any): the stage of a frame; the first rule that matches wins.
RULES = (
    ("importlib._bootstrap>", "_find_and_load", "imports"),
    ("rca/read/lines.py", None, "read: lines (decompress, decode, split)"),
    ("rca/read/sources.py", None, "read: lines (decompress, decode, split)"),
    ("rca/read/choose.py", None, "read: layout choice (samples)"),
    ("rca/read/fields.py", None, "read: header extraction (layout regexes)"),
    ("rca/read/time.py", None, "read: timestamps"),
    ("rca/read/timestamps.py", None, "read: timestamps"),
    ("rca/read/levels.py", None, "read: levels"),
    ("rca/read/records.py", None, "read: multi-line records"),
    ("rca/read/ingest.py", None, "read: services, columns, summaries"),
    ("rca/mine/compact.py", None, "mine: compact records (analyze)"),
    ("rca/mine/templates.py", "mine", DRAIN),
    ("rca/mine/templates.py", "add_params", "mine: parameters"),
    ("rca/mine/templates.py", None, "mine: other"),
    ("rca/signals/features.py", None, "analyze: features (counts per service, template, bucket)"),
    ("rca/signals/detect.py", None, "analyze: detection"),
    ("rca/signals/params.py", None, "analyze: parameter shifts"),
    ("rca/signals/calls.py", None, "analyze: calls, mentions"),
    ("rca/signals/causal.py", None, "analyze: causal graph"),
    ("rca/ranking/rank.py", None, "analyze: ranking"),
    ("rca/ranking/evidence.py", None, "analyze: evidence"),
    ("rca/pipeline.py", None, "pipeline (other)"),
    ("rca/cli.py", None, "output (JSON, terminal)"),
    ("rca/report", None, "output (JSON, terminal)"),
)
# Inside rca/mine/templates.py's assign_templates, what Polars runs is a stage of mining of its own.
MINING = {"collect": "mine: masking (one regex, all messages)", "select_seq": "mine: deduplication",
          "join": "mine: joining templates back"}  # fmt: skip


def stage_of(frame: object, inherited: str) -> str:
    path, function = getattr(frame, "file_path", "") or "", getattr(frame, "function", "") or ""
    if inherited == "mine: other" and function in MINING:
        return MINING[function]
    if inherited == DRAIN:
        return DRAIN  # rca's own Drain methods (rca/mine/templates.py) run inside drain3's loop
    for ending, name, stage in RULES:
        if ending in path and (name is None or name == function):
            return stage
    return inherited


def by_stage(root: object) -> dict[str, float]:
    """Self time of every frame, summed by the stage it runs in."""
    totals: dict[str, float] = defaultdict(float)
    stack = [(root, "start-up and other")]
    while stack:
        frame, inherited = stack.pop()
        stage = stage_of(frame, inherited)
        children = frame.children  # type: ignore[attr-defined]
        totals[stage] += frame.time - sum(c.time for c in children)  # type: ignore[attr-defined]
        stack.extend((child, stage) for child in children)
    return totals


def profile(command: str, folder: Path, *, tree: bool) -> dict[str, float]:
    """Seconds by stage of one run of ``rca COMMAND FOLDER --json`` in this process."""
    from pyinstrument import Profiler

    sys.path.insert(0, str(ROOT))
    profiler = Profiler(interval=0.002)
    profiler.start()
    from rca.cli import main as rca

    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        rca([command, str(folder), "--json"])
    profiler.stop()
    if tree:
        print(profiler.output_text(color=False))
    session = profiler.last_session
    return {**by_stage(session.root_frame()), "wall": session.duration, "CPU": session.cpu_time}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--command", choices=("analyze", "templates"), default="analyze")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--path", type=Path, help="profile on this input instead")
    parser.add_argument("--tree", action="store_true", help="print pyinstrument's call tree of one run")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)  # one run, as JSON
    args = parser.parse_args()
    folder = args.path or ensure(args.lines)
    if args.once or args.tree:
        totals = profile(args.command, folder, tree=args.tree)
        print(json.dumps(totals) if args.once else "")
        return 0
    argv = [sys.executable, __file__, "--once", "--lines", str(args.lines), "--command", args.command]
    argv += ["--path", str(folder)] if args.path else []
    runs = [json.loads(run(argv).stdout) for _ in range(args.runs)]
    median = {stage: statistics.median(r.get(stage, 0.0) for r in runs) for stage in {s for r in runs for s in r}}
    wall = median.pop("wall")
    lines = args.lines if not args.path else sum(p.read_bytes().count(b"\n") for p in [folder, *folder.rglob("*")] if p.is_file())
    print(f"rca {args.command} {folder.name}/ ({lines:,} lines), median of {args.runs}: {wall:.2f} s wall, "
          f"{median.pop('CPU'):.2f} s CPU")  # fmt: skip
    for stage, seconds in sorted(median.items(), key=lambda item: -item[1]):
        if seconds >= 0.005:
            print(f"  {stage:<58} {seconds:7.2f} s  {100 * seconds / wall:5.1f} %  {lines / seconds / 1e6:8.2f} M lines/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
