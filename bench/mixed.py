"""Mixed input: several logs concatenated into one file must read as they do apart.

Usage: python bench/mixed.py [--data ../shared/datasets/loghub-2k] [--out bench/out]

1. The 12 Loghub systems' raw logs, one after the other (a newline between files, as ``cat``
   gives when each file ends with one), into one file: every line must be a record of its own
   (none of them is a continuation line) with the message equal to its ``Content``.
2. ``cat sample_logs/checkout-outage/*``: the same records and messages as reading the folder.

Prints the counts and exits non-zero on a miss.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loghub_accuracy as la  # noqa: E402

from rca.read.ingest import ingest  # noqa: E402
from rca.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def loghub(data: Path, out: Path) -> bool:
    texts, truth = [], []
    for system in la.SYSTEMS:
        text = (data / system / f"{system}_2k.log").read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n")
        texts.append(text)
        truth += [row["Content"].strip() for row in la._truth(data / system, system)]
    merged = out / "loghub-12.log"
    merged.write_text("\n".join(texts) + "\n", encoding="utf-8")
    records, summary = ingest([str(merged)], Settings())
    source = summary.sources[0]
    messages = records.get_column("message").to_list()
    exact = sum(a == b for a, b in zip(messages, truth, strict=False)) if len(messages) == len(truth) else 0
    print(f"cat of the 12 Loghub systems: {source.lines:,} lines -> {source.records:,} records, "
          f"{source.continuation_lines:,} continuation lines; message == Content on {exact:,} of {len(truth):,}")
    for use in source.layouts:
        print(f"  {use.records:>6,} records as {use.name}")
    return source.records == source.lines == len(truth) and exact == len(truth)


def scenario(out: Path) -> bool:
    folder = ROOT / "sample_logs" / "checkout-outage"
    merged = out / "checkout-outage.log"
    merged.write_bytes(b"".join(p.read_bytes() for p in sorted(folder.iterdir())))
    apart, _ = ingest([str(folder)], Settings())
    together, summary = ingest([str(merged)], Settings())
    source = summary.sources[0]
    same = together.get_column("message").to_list() == apart.get_column("message").to_list()
    print(f"cat sample_logs/checkout-outage/*: {source.lines:,} lines -> {source.records:,} records "
          f"(read as a folder: {apart.height:,}), {source.continuation_lines:,} continuation lines (stack traces); "
          f"messages {'the same' if same else 'DIFFER'}")
    for use in source.layouts:
        print(f"  {use.records:>6,} records as {use.name}")
    return same and together.height == apart.height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=la.DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ok = scenario(args.out)
    if args.data.exists():
        ok = loghub(args.data, args.out) and ok
    else:
        print(f"no Loghub data at {args.data}: only the scenario was checked", file=sys.stderr)
    print("every record read with its own layout" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
