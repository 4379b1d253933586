"""Helpers the benchmark scripts share: run a command in a fresh process and measure it."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGHUB = ROOT.parent / "shared" / "datasets" / "loghub-2k"
OUT = ROOT / "bench" / "out"
RCA = [sys.executable, "-m", "rca"]
# The fair peer of the speed benchmarks: drain3's TemplateMiner with drain3's own masking
# instructions for the kinds of variables rca masks, and the same similarity and depth. Each
# benchmark's plain loop is this, then its own loop over the lines.
PLAIN_MINER = r'''
from drain3.template_miner import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
from drain3.masking import MaskingInstruction
config = TemplateMinerConfig()
config.drain_sim_th = 0.7
config.drain_depth = 5
config.masking_instructions = [
    MaskingInstruction(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+", "URL"),
    MaskingInstruction(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?", "TS"),
    MaskingInstruction(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "UUID"),
    MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})((?=[^A-Za-z0-9])|$)", "IP"),
    MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)(0x[a-fA-F0-9]+)((?=[^A-Za-z0-9])|$)", "HEX"),
    MaskingInstruction(r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+(?:\.\d+)?(?:ms|s)?)((?=[^A-Za-z0-9])|$)", "NUM"),
    MaskingInstruction(r"(?<=[\s=:])(/[\w.@%+~-]+)+", "PATH"),
    MaskingInstruction(r"(?<=[=])[^\s,;]*\d[^\s,;]*", "VAL"),
]
miner = TemplateMiner(config=config)
'''


@dataclass(frozen=True)
class Run:
    """One finished process: wall and CPU seconds (user + system), peak resident memory, stdout."""

    wall_s: float
    cpu_s: float
    peak_bytes: int
    stdout: str


def run(argv: list[str]) -> Run:
    """Run ``argv`` to the end in a fresh child process; SystemExit if it fails.

    ``os.wait4`` gives that one process's resource use (``RUSAGE_CHILDREN`` would keep the
    largest peak of every child so far). Output goes to temporary files, so a large stdout
    cannot block the child while it is measured.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise SystemExit(f"{' '.join(map(str, argv[:5]))} failed ({proc.returncode}): {err.read().decode()[-800:]}")
        return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out.read().decode())


def median_run(argv: list[str], runs: int) -> Run:
    """Medians of ``runs`` fresh runs of ``argv``."""
    return medians([run(argv) for _ in range(runs)])


def medians(done: list[Run]) -> Run:
    """Wall, CPU and peak each the median of its own over ``done``; the first run's stdout."""
    return Run(
        statistics.median(r.wall_s for r in done),
        statistics.median(r.cpu_s for r in done),
        int(statistics.median(r.peak_bytes for r in done)),
        done[0].stdout,
    )


def figures(name: str, result: Run, lines: int | None = None) -> str:
    """One row of a benchmark's table."""
    rate = f"{lines / result.wall_s:12,.0f} lines/s" if lines else " " * 20
    return f"{name:<54} {result.wall_s:8.2f} s wall {result.cpu_s:8.2f} s CPU {rate}  peak {result.peak_bytes / 1e6:7.0f} MB"


def verdict(missed: list[str], *, failed: str = "targets NOT met", met: str = "targets met") -> int:
    """Print what was missed (or that nothing was), and the exit code that says so."""
    if missed:
        print(f"{failed}: " + "; ".join(missed))
        return 1
    print(met)
    return 0
