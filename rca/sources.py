"""Find the files behind what the user typed and read them as lines: gzip, bz2, zstd and stdin included."""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl

from rca.errors import InputError

CHUNK_BYTES = 8 * 1024 * 1024
_REPLACEMENT = "\ufffd".encode()
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\x28\xb5\x2f\xfd": "zstd"}
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


@dataclass(frozen=True, slots=True)
class Lines:
    """The lines of one source as a frame with ``line`` (1-based) and ``raw``, and what reading found."""

    chunks: list[pl.DataFrame]  # a few MB of lines each, so later stages can free them one by one
    invalid_utf8: int
    bytes_read: int

    @property
    def frame(self) -> pl.DataFrame:
        """All the lines as one frame (the chunks are not copied)."""
        if not self.chunks:
            return pl.DataFrame(schema={"line": pl.UInt32, "raw": pl.String})
        return pl.concat(self.chunks, rechunk=False)

    @property
    def height(self) -> int:
        return sum(chunk.height for chunk in self.chunks)


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


def _open(source: Source) -> BinaryIO:
    if source.path is None:
        return sys.stdin.buffer
    try:
        return open(source.path, "rb")  # noqa: SIM115 - closed by read_lines
    except PermissionError:
        raise InputError(f"cannot read {source.name}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{source.name} is a folder; give the folder itself or a glob") from None
    except OSError as exc:
        raise InputError(f"cannot read {source.name}: {exc.strerror or exc}") from None


def _decompressing(raw: BinaryIO) -> tuple[BinaryIO, str | None]:
    buffered = io.BufferedReader(raw) if not isinstance(raw, io.BufferedReader) else raw  # type: ignore[arg-type]
    head = buffered.peek(4)[:4]
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            if kind == "gzip":
                return gzip.GzipFile(fileobj=buffered), kind  # type: ignore[return-value]
            if kind == "bz2":
                return bz2.BZ2File(buffered), kind  # type: ignore[return-value]
            import zstandard

            return zstandard.ZstdDecompressor().stream_reader(buffered), kind  # type: ignore[return-value]
    return buffered, None  # type: ignore[return-value]


def _chunks(stream: BinaryIO, name: str, kind: str | None) -> Iterator[bytes]:
    try:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                return
            yield chunk
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        what = f"a valid {kind} file" if kind else "readable"
        raise InputError(f"{name} is not {what}: {exc}") from None
    except Exception as exc:  # zstandard raises its own ZstdError
        if kind == "zstd":
            raise InputError(f"{name} is not a valid zstd file: {exc}") from None
        raise


def _split_at_newlines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Re-cut chunks so each ends at a newline (a newline byte never sits inside a UTF-8 character)."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        carry = data[cut + 1 :]
        yield data[: cut + 1]
    if carry:
        yield carry


def _looks_binary(first: bytes) -> bool:
    head = first[:8192]
    return b"\x00" in head


def read_lines(source: Source) -> Lines:
    """Read a source into lines: decompressed, CRLF-tolerant, invalid UTF-8 replaced and counted."""
    stream, kind = _decompressing(_open(source))
    series: list[pl.Series] = []
    invalid = total = 0
    try:
        for i, block in enumerate(_split_at_newlines(_chunks(stream, source.name, kind))):
            if i == 0 and _looks_binary(block):
                raise InputError(f"{source.name} looks like a binary file, not a log (it contains NUL bytes)")
            total += len(block)
            text = block.decode("utf-8", errors="replace")
            invalid += text.count("\ufffd") - block.count(_REPLACEMENT)
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            if text.endswith("\n"):
                lines.pop()
            # One chunk's lines at a time go through Python strings, so the peak stays one chunk.
            series.append(pl.Series("raw", lines, dtype=pl.String))
            del text, lines
    finally:
        if source.path is not None:
            stream.close()
    chunks, first = [], 1
    for raw in series:
        chunks.append(pl.DataFrame({"raw": raw}).with_row_index("line", offset=first))
        first += raw.len()
    return Lines(chunks, invalid, total)


def file_stem_service(name: str) -> str:
    """The service a file name stands for: the name up to its first dot.

    ``payments.log.gz`` -> ``payments``, ``frontend.access.log`` -> ``frontend``, ``app.log.1`` -> ``app``.
    """
    if name == STDIN:
        return "stdin"
    base = os.path.basename(name)
    return base.split(".", 1)[0] or base
