"""`rca report` on the saved JSON of every Nezha case, timed next to the analysis itself.

Usage: python bench/nezha_reports.py [--data ../shared/datasets/nezha-trainticket] [--out bench/out/reports]

For each case (its by_service/ folder), in fresh processes:
1. `rca analyze DIR --json > case.json` (timed);
2. `rca report case.json --report case.html --report case.md` (timed);
then checks each report: the HTML names the JSON's first root cause and holds its pictures, the
Markdown's pictures exist beside it. Prints per-case and median times; exits non-zero if any
case fails.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "nezha-trainticket"


def timed(argv: list[str], stdout: Path | None = None) -> float:
    start = time.perf_counter()
    with open(stdout, "w") if stdout else open("/dev/null", "w") as sink:  # noqa: SIM115
        done = subprocess.run(argv, stdout=sink, stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:5])} failed ({done.returncode}): {done.stderr.strip()}")
    return time.perf_counter() - start


def check(case: Path, saved: Path, html: Path, md: Path) -> str | None:
    """What is wrong with the reports of one case, or None."""
    data = json.loads(saved.read_text())
    page = html.read_text()
    if data["root_causes"] and data["root_causes"][0]["service"] not in page:
        return "the HTML does not name the first root cause"
    if "<script" in page or re.search(r"""(?:src|href)=["']https?:""", page):
        return "the HTML fetches or runs something"
    linked = re.findall(r"\]\(([^)]+\.svg)\)", md.read_text())
    missing = [name for name in linked if not (md.parent / name).exists()]
    if missing:
        return f"the Markdown links missing pictures: {missing}"
    if data["root_causes"] and not linked:
        return "the Markdown has no pictures"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "reports")
    args = parser.parse_args()
    cases = sorted((args.data / "cases").iterdir())
    if not cases:
        raise SystemExit(f"no cases under {args.data}")
    args.out.mkdir(parents=True, exist_ok=True)
    rca = [sys.executable, "-m", "rca"]
    analyses, reports, failures = [], [], []
    for case in cases:
        saved, html, md = (args.out / f"{case.name}{suffix}" for suffix in (".json", ".html", ".md"))
        analysis_s = timed([*rca, "analyze", str(case / "by_service"), "--json"], stdout=saved)
        report_s = timed([*rca, "report", str(saved), "--report", str(html), "--report", str(md)])
        problem = check(case, saved, html, md)
        analyses.append(analysis_s)
        reports.append(report_s)
        print(f"{case.name:60s} analyze {analysis_s:5.2f} s  report {report_s:5.2f} s  "
              f"{html.stat().st_size / 1e3:5.0f} kB html  {problem or 'ok'}")
        if problem:
            failures.append(case.name)
    print(f"\n{len(cases)} cases: median analyze {statistics.median(analyses):.2f} s, median report (HTML + Markdown) "
          f"{statistics.median(reports):.2f} s = {statistics.median(reports) / statistics.median(analyses):.2f}x the analysis; "
          f"slowest report {max(reports):.2f} s")
    print("all reports ok" if not failures else f"FAILED: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
