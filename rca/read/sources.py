"""Find the files behind what the user typed: files, folders (recursively), globs, and ``-`` for stdin."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rca.errors import InputError

STDIN = "-"


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file path, or ``-`` for standard input. ``given`` says if the user named it."""

    name: str
    path: Path | None
    given: bool = True

    @property
    def modified(self) -> datetime:
        """When the file was last written (for years missing from syslog timestamps); now for stdin."""
        if self.path is None:
            return datetime.now(UTC)
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)


def resolve(specs: list[str]) -> list[Source]:
    """Expand files, folders (recursively) and globs into sources, in the order given, each once."""
    found: list[Source] = []
    seen: set[str] = set()
    for spec in specs:
        for source in _expand(spec):
            key = source.name if source.path is None else str(source.path.resolve())
            if key not in seen:
                seen.add(key)
                found.append(source)
    return found


def _expand(spec: str) -> list[Source]:
    if spec == STDIN:
        return [Source(STDIN, None)]
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path)))
        return [Source(str(p), p, given=False) for p in files]
    if path.exists():
        return [Source(spec, path)]
    if glob.has_magic(spec):
        matches = sorted(glob.glob(spec, recursive=True))
        files = [Path(m) for m in matches if Path(m).is_file()]
        if files:
            return [Source(str(p), p, given=False) for p in files]
        raise InputError(f"no files match {spec!r}")
    raise InputError(f"no such file or folder: {spec}")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def file_stem_service(name: str) -> str:
    """The service a file name stands for: the name up to its first dot.

    ``payments.log.gz`` -> ``payments``, ``frontend.access.log`` -> ``frontend``, ``app.log.1`` -> ``app``.
    """
    if name == STDIN:
        return "stdin"
    base = os.path.basename(name)
    return base.split(".", 1)[0] or base
