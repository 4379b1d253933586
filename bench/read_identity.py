"""Whether a change to reading keeps what is read: the records frame and summary of ingest(), dumped
for a set of inputs by one version of the code and compared with another version's dump.

Usage: python bench/read_identity.py dump OUT/before --code ../main [--big] [--extra FILE ...]
       python bench/read_identity.py dump OUT/after [--big] [--extra FILE ...]   # this checkout's code
       python bench/read_identity.py compare OUT/before OUT/after

The inputs: every Loghub 2k log alone and all 12 together (../shared/datasets/loghub-2k), each
sample_logs/ scenario and log, the generated incidents found under bench/out/incidents/seed-*/case-*/logs,
files given with --extra (compressed, CRLF, invalid UTF-8, ...), and with --big the 1M-line
folder of bench/stream_speed.py. Each is read with Settings() and written as Arrow (the frame)
and as the repr of the summary. compare prints one line per input that differs (frame values,
dtypes or summary) and exits non-zero if any does. The order of layouts tied on their record
count is not fixed by the reader, so a summary may differ in that order alone: rerun to tell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _run import LOGHUB, OUT, ROOT


def inputs(*, big: bool, extra: list[str]) -> dict[str, list[str]]:
    """Each input's name and what ``ingest`` is given to read it."""
    logs = sorted(LOGHUB.glob("*/*_2k.log"))
    out = {f"loghub-{path.stem}": [str(path)] for path in logs}
    out["loghub-all"] = [str(path) for path in logs]
    samples = sorted((ROOT / "sample_logs").iterdir())
    out |= {f"sample-{path.name}": [str(path)] for path in samples if path.is_dir() or path.suffix == ".log"}
    out |= {f"incident-{path.parent.parent.name}-{path.parent.name}": [str(path)] for path in sorted(OUT.glob("incidents/seed-*/case-*/logs"))}
    out |= {f"extra-{Path(path).name}": [path] for path in extra}
    if big:
        out |= {path.name: [str(path)] for path in sorted(OUT.glob("loghub-stream-*")) if path.is_dir() and not path.suffix}
    return out


def dump(folder: Path, *, code: Path, big: bool, extra: list[str]) -> None:
    sys.path.insert(0, str(code.resolve()))
    import rca
    from rca.read.ingest import ingest
    from rca.settings import Settings

    print(f"reading with {Path(rca.__file__).parent}", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    for name, specs in inputs(big=big, extra=extra).items():
        start = time.perf_counter()
        records, summary = ingest(specs, Settings())
        records.write_ipc(folder / f"{name}.arrow")
        (folder / f"{name}.summary").write_text(repr(summary), encoding="utf-8")
        print(f"{name}: {records.height:,} records, {time.perf_counter() - start:.2f} s")


def compare(one: Path, other: Path) -> int:
    import polars as pl

    names = sorted(path.stem for path in one.glob("*.arrow"))
    differ = 0
    for name in names:
        if not (other / f"{name}.arrow").exists():
            print(f"{name}: only in {one}")
            differ += 1
            continue
        a, b = pl.read_ipc(one / f"{name}.arrow"), pl.read_ipc(other / f"{name}.arrow")
        what = [] if a.schema == b.schema and a.equals(b, null_equal=True) else ["records"]
        if (one / f"{name}.summary").read_text(encoding="utf-8") != (other / f"{name}.summary").read_text(encoding="utf-8"):
            what.append("summary")
        if what:
            print(f"{name}: {' and '.join(what)} differ")
            differ += 1
    print(f"{len(names) - differ} of {len(names)} inputs read the same")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("folder", type=Path)
    d.add_argument("--code", type=Path, default=ROOT, help="the checkout whose rca reads (default: this one)")
    d.add_argument("--big", action="store_true", help="also the 1M-line folder(s) of bench/stream_speed.py")
    d.add_argument("--extra", nargs="*", default=[], help="more files or folders to read")
    c = sub.add_parser("compare")
    c.add_argument("one", type=Path)
    c.add_argument("other", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.folder, code=args.code, big=args.big, extra=args.extra)
        return 0
    return compare(args.one, args.other)


if __name__ == "__main__":
    sys.exit(main())
