"""Root-cause accuracy of `rca analyze` on the generated incident corpus (bench/incidents.py), next to two naive rankers.

Usage: python bench/incident_rca.py --seed N [--corpus a|b|c] [--n 40] [--out bench/out/incidents] [--regenerate] [-v]
                                    [--json FILE] [--jobs 2]

The corpus of a seed lives in ``OUT/seed-N/`` and is generated there if absent (or with
``--regenerate``). Seed 1 is the development seed; other seeds are report seeds, so by default only
aggregate figures are printed and nobody needs to look at their cases:

- AC@1, AC@3 (the true root service is in rca's top k) and Avg@5 (mean of AC@1..AC@5), overall, per
  fault kind, per file layout, per runtime and per role of the root;
- how often an entry service is ranked first;
- failures: analyses that raised, analyses with no root cause;
- onset error, where the root is in rca's top 3: the median |onset rca gives the root -
  ``root_first_anomalous`` of truth.json| and the share within 30 s;
- time per case;
- the same AC figures for two naive rankers computed in the same run from the parsed records:
  "most errors" (most ERROR/FATAL records after the incident start rca found, or in the whole case
  when it found none) and "first error" (the service whose first ERROR/FATAL record comes first).

``-v`` prints each case's truth and top 3; ``--json FILE`` writes every case's result. Exits
non-zero only when something crashed (an analysis raised, or this script failed), never on low
accuracy.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "incidents"
ERRORS = ("ERROR", "FATAL")
RANKERS = ("rca", "most errors", "first error")


def corpus_dir(out: Path, seed: int) -> Path:
    return out / f"seed-{seed}"


def ensure_corpus(folder: Path, seed: int, n: int, regenerate: bool, jobs: int, corpus: str = "a") -> list[Path]:
    """The case folders of the seed, generated first when absent, incomplete or asked for (by
    ``bench/incidents.py``, for ``corpus`` "b" by ``bench/incidents_b.py``, for "c" by ``bench/incidents_c.py``)."""
    manifest = folder / "manifest.json"
    fresh = manifest.exists() and json.loads(manifest.read_text()).get("n") == n
    if regenerate or not fresh:
        print(f"generating {n} incidents for seed {seed} in {folder} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        if corpus == "b":
            import incidents_b

            incidents_b.main(["--seed", str(seed), "--n", str(n), "--out", str(folder.parent), "-q"])
        elif corpus == "c":
            import incidents_c

            incidents_c.main(["--seed", str(seed), "--n", str(n), "--out", str(folder.parent), "-q"])
        else:
            from incidents import generate_corpus

            generate_corpus(seed, folder, n, jobs=jobs)
        print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    cases = json.loads(manifest.read_text())["cases"]
    return [folder / case for case in cases]


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def naive_rankings(logs: Path, start: datetime | None) -> dict[str, list[str]]:
    """The two naive rankers on the parsed records of one case."""
    import polars as pl

    from rca.pipeline import parse
    from rca.settings import Settings

    records = parse([str(logs)], Settings()).records
    errors = records.filter(pl.col("level").cast(pl.String).is_in(ERRORS) & pl.col("service").is_not_null())
    after = errors.filter(pl.col("timestamp") >= start) if start is not None else errors
    most = after.group_by("service").len().sort(["len", "service"], descending=[True, False])
    first = errors.filter(pl.col("timestamp").is_not_null()).group_by("service").agg(pl.col("timestamp").min()).sort("timestamp", "service")
    return {"most errors": most.get_column("service").to_list(), "first error": first.get_column("service").to_list()}


def evaluate_case(folder: Path) -> dict[str, Any]:
    """Run rca and the naive rankers on one case and compare with its truth."""
    from rca.pipeline import analyze
    from rca.settings import Settings

    truth = json.loads((folder / "truth.json").read_text())
    logs = folder / "logs"
    started = time.perf_counter()
    error, ranked, onsets, start = None, [], {}, None
    try:
        analysis = analyze([str(logs)], Settings(top=10))
        ranked = [cause.service for cause in analysis.root_causes]
        onsets = {cause.service: cause.onset for cause in analysis.root_causes}
        start = analysis.incident.start if analysis.incident else None
    except Exception as exc:  # noqa: BLE001 - a failure is a result here
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    root = truth["root_service"]
    onset_error = None
    first = parse_time(truth.get("root_first_anomalous"))
    if root in ranked[:3] and first is not None and onsets.get(root) is not None:
        onset_error = abs((onsets[root] - first).total_seconds())
    rankings = {"rca": ranked, **naive_rankings(logs, start)}
    return {
        "case_id": truth["case_id"],
        "root": root,
        "fault_kind": truth["fault_kind"],
        "layout": truth["layout"],
        "root_runtime": truth["runtimes"][root],
        "root_role": truth["root_role"],
        "entry_services": truth["entry_services"],
        "lines": truth["lines"],
        "fault_start": truth["fault_start"],
        "root_first_anomalous": truth.get("root_first_anomalous"),
        "incident_start": start.isoformat() if start else None,
        "rankings": {name: r[:10] for name, r in rankings.items()},
        "root_rank": {name: (r.index(root) + 1 if root in r else None) for name, r in rankings.items()},
        "root_onset": onsets[root].isoformat() if root in onsets else None,
        "onset_error_s": onset_error,
        "seconds": seconds,
        "error": error,
        "red_herrings": [h["kind"] + (f":{h['service']}" if "service" in h else "") for h in truth["red_herrings"]],
    }


def ac(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def scores(results: list[dict[str, Any]], ranker: str) -> tuple[float, float, float]:
    ranks = [r["root_rank"][ranker] for r in results]
    n = max(1, len(ranks))
    return (sum(ac(x, 1) for x in ranks) / n, sum(ac(x, 3) for x in ranks) / n,
            sum(sum(ac(x, k) for k in range(1, 6)) / 5 for x in ranks) / n)  # fmt: skip


def table(results: list[dict[str, Any]]) -> list[str]:
    """AC@1 / AC@3 / Avg@5 of every ranker, overall and per group."""
    out = [f"{'':28} {'n':>3}   " + "   ".join(f"{name + ' AC@1/AC@3/Avg@5':<28}" for name in RANKERS)]

    def row(label: str, group: list[dict[str, Any]]) -> str:
        cells = ["{:.2f} / {:.2f} / {:.2f}".format(*scores(group, name)) for name in RANKERS]
        return f"{label:28} {len(group):>3}   " + "   ".join(f"{c:<28}" for c in cells)

    out.append(row("all", results))
    for key, title in (("fault_kind", "fault"), ("layout", "layout"), ("root_runtime", "root runtime"), ("root_role", "root role")):
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in results:
            groups[r[key]].append(r)
        out.append("")
        out.extend(row(f"{title}: {name}", groups[name]) for name in sorted(groups))
    return out


def summary(results: list[dict[str, Any]], wall: float, jobs: int) -> list[str]:
    lines = table(results)
    n = len(results)
    entry_first = sum(1 for r in results if r["rankings"]["rca"][:1] and r["rankings"]["rca"][0] in r["entry_services"])
    entry_first_wrong = sum(1 for r in results if r["rankings"]["rca"][:1] and r["rankings"]["rca"][0] in r["entry_services"] and r["root_role"] != "entry")
    raised = sum(1 for r in results if r["error"])
    empty = sum(1 for r in results if not r["error"] and not r["rankings"]["rca"])
    errors = [r["onset_error_s"] for r in results if r["onset_error_s"] is not None]
    times = [r["seconds"] for r in results]
    lines += [
        "",
        f"entry service ranked first: {entry_first}/{n} ({entry_first / max(1, n):.2f}); wrongly (root is not an entry): {entry_first_wrong}",
        f"failures: {raised} analyses raised, {empty} found no root cause",
    ]
    if errors:
        within = sum(1 for e in errors if e <= 30) / len(errors)
        lines.append(f"onset error (root in top 3, n={len(errors)}): median {statistics.median(errors):.1f} s, within 30 s: {within:.2f}")
    else:
        lines.append("onset error: no case with the root in the top 3")
    if times:
        lines.append(f"time per case (analyze): median {statistics.median(times):.2f} s, max {max(times):.2f} s; "
                     f"whole run {wall:.0f} s with {jobs} process(es)")  # fmt: skip
    return lines


def verbose_lines(r: dict[str, Any]) -> list[str]:
    top = ", ".join(r["rankings"]["rca"][:3]) or "-"
    mark = "OK " if r["root_rank"]["rca"] == 1 else "top3" if (r["root_rank"]["rca"] or 99) <= 3 else "MISS"
    onset = f"{r['onset_error_s']:.1f}s" if r["onset_error_s"] is not None else "-"
    return [f"{r['case_id']} {mark} {r['fault_kind']:<16} root={r['root']} ({r['root_role']}, {r['root_runtime']}, {r['layout']}) "
            f"rca top3=[{top}] rank={r['root_rank']['rca']} onset err={onset} "
            f"most-errors={r['rankings']['most errors'][:1]} first-error={r['rankings']['first error'][:1]} "
            f"herrings={r['red_herrings']} {r['seconds']:.1f}s" + (f" ERROR {r['error']}" if r["error"] else "")]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--corpus", choices=["a", "b", "c"], default="a",
                        help="a: bench/incidents.py (default OUT bench/out/incidents); b: bench/incidents_b.py, written "
                             "apart from rca by another author (default OUT bench/out/incidents-b); c: bench/incidents_c.py, "
                             "a third independent author (default OUT bench/out/incidents-c)")
    parser.add_argument("--out", type=Path, help="corpora live in OUT/seed-N")
    parser.add_argument("--regenerate", action="store_true", help="generate the corpus again even if present")
    parser.add_argument("--verbose", "-v", action="store_true", help="print each case's truth and rca's top 3")
    parser.add_argument("--json", type=Path, help="write every case's result to this file")
    parser.add_argument("--jobs", type=int, default=2, help="processes (at most 2)")
    args = parser.parse_args()
    jobs = max(1, min(2, args.jobs))
    out = args.out or (DEFAULT_OUT.parent / f"incidents-{args.corpus}" if args.corpus in ("b", "c") else DEFAULT_OUT)
    folder = corpus_dir(out, args.seed)
    cases = ensure_corpus(folder, args.seed, args.n, args.regenerate, jobs, args.corpus)
    started = time.perf_counter()
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            results = pool.map(evaluate_case, cases, chunksize=1)
    else:
        results = [evaluate_case(case) for case in cases]
    wall = time.perf_counter() - started
    total_lines = sum(r["lines"] for r in results)
    print(f"incident corpus seed {args.seed}: {len(results)} cases, {total_lines:,} lines "
          f"(median {statistics.median(r['lines'] for r in results):,.0f} per case)")  # fmt: skip
    if args.verbose:
        for r in results:
            print("\n".join(verbose_lines(r)))
        print()
    print("\n".join(summary(results, wall, jobs)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"seed": args.seed, "results": results}, indent=2, default=str) + "\n")
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
