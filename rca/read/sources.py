"""Find the files behind what the user typed: files, folders (recursively), globs, ``-`` for stdin,
and URLs that fsspec reaches (``s3://bucket/logs/*.gz`` with s3fs installed)."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rca.errors import InputError

STDIN = "-"
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True, slots=True)
class Source:
    """One input: a file path, a URL (read with fsspec; ``path`` is None), or ``-`` for standard
    input. ``given`` says if the user named it."""

    name: str
    path: Path | None
    given: bool = True
    url: str | None = None

    @property
    def stdin(self) -> bool:
        return self.path is None and self.url is None

    @property
    def modified(self) -> datetime:
        """When the file was last written (for years missing from syslog timestamps); now for stdin,
        and for a URL whose file system does not say."""
        if self.url is not None:
            return _url_modified(self.url)
        if self.path is None:
            return datetime.now(UTC)
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)


def resolve(specs: list[str]) -> list[Source]:
    """Expand files, folders (recursively) and globs into sources, in the order given, each once."""
    found: list[Source] = []
    seen: set[str] = set()
    for spec in specs:
        for source in _expand(spec):
            key = source.url or (source.name if source.path is None else str(source.path.resolve()))
            if key not in seen:
                seen.add(key)
                found.append(source)
    return found


def _expand(spec: str) -> list[Source]:
    if spec == STDIN:
        return [Source(STDIN, None)]
    if URL.match(spec):
        return _expand_url(spec)
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


def file_system(url: str) -> tuple[object, str]:
    """fsspec's file system for ``url``, and the path in it; ``InputError`` if fsspec cannot reach it."""
    try:
        import fsspec
    except ImportError:
        raise InputError(f"{url}: reading URLs needs fsspec (pip install fsspec, and s3fs for s3://)") from None
    try:
        return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]
    except (ImportError, ValueError) as exc:
        raise InputError(f"{url}: {exc}") from None


def _expand_url(spec: str) -> list[Source]:
    """A URL's files, as ``_expand`` finds local ones: a file, a folder's files (recursively), a glob's."""
    fs, path = file_system(spec)
    try:
        if glob.has_magic(path):
            found = fs.glob(path, detail=True)  # type: ignore[attr-defined]
            if not (files := sorted(n for n, info in found.items() if info.get("type") == "file")):
                raise InputError(f"no files match {spec!r}")
            return [_url_source(fs, name, given=False) for name in files]
        if fs.isdir(path):  # type: ignore[attr-defined]
            found = fs.find(path, detail=True)  # type: ignore[attr-defined]
            root = path.rstrip("/")
            files = sorted(n for n, info in found.items() if info.get("type") == "file" and not _hidden(Path(n[len(root):].lstrip("/"))))
            return [_url_source(fs, name, given=False) for name in files]
        if fs.exists(path):  # type: ignore[attr-defined]
            return [Source(spec, None, url=spec)]
    except OSError as exc:
        raise InputError(f"cannot read {spec}: {exc}") from None
    raise InputError(f"no such file or folder: {spec}")


def _url_source(fs: object, name: str, *, given: bool) -> Source:
    url = fs.unstrip_protocol(name)  # type: ignore[attr-defined]
    return Source(url, None, given=given, url=url)


def _url_modified(url: str) -> datetime:
    fs, path = file_system(url)
    try:
        when = fs.modified(path)  # type: ignore[attr-defined]
    except (NotImplementedError, OSError, KeyError):
        return datetime.now(UTC)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


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
