"""Bytes to lines: decompress (gzip, bz2, zstd), decode (invalid UTF-8 replaced and counted),
split at newlines (CRLF too), and unpack a JSON document holding an array of records."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import polars as pl

from rca.errors import InputError
from rca.read.sources import Source, file_system

CHUNK_BYTES = 8 * 1024 * 1024
# Decoded and split a piece at a time: Polars keeps memory it freed for a while, and its scratch
# copies of 8 MB pieces held the peak of reading a file to 2.5x its lines (1 MB: no more than before).
PIECE_BYTES = 1024 * 1024
_REPLACEMENT = "\ufffd".encode()
_NEWLINE, _CR = ord("\n"), ord("\r")
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\x28\xb5\x2f\xfd": "zstd"}


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


def _open(source: Source) -> BinaryIO:
    if source.url is not None:
        return _open_url(source)
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


def _open_url(source: Source) -> BinaryIO:
    fs, path = file_system(source.url)  # type: ignore[arg-type]
    try:
        return fs.open(path, "rb")  # type: ignore[attr-defined, no-any-return]
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


def _split_at_newlines(chunks: Iterator[bytes]) -> Iterator[list[pl.Series]]:
    """Re-cut chunks so each ends at a newline (a newline byte never sits inside a UTF-8 character),
    in pieces of about ``PIECE_BYTES`` that end at newlines too, each a Series of its bytes: views
    of the chunk read (the first with the few bytes carried over from the chunk before), so the
    chunk is not copied in Python."""
    carry = b""
    for chunk in chunks:
        cut = chunk.rfind(b"\n")
        if cut < 0:
            carry += chunk
            continue
        data = np.frombuffer(chunk, dtype=np.uint8)
        pieces, start = [], 0
        while start <= cut:
            end = chunk.find(b"\n", min(start + PIECE_BYTES, cut)) + 1
            pieces.append(pl.Series(data[start:end]))
            start = end
        if carry:
            pieces[0] = pl.concat([pl.Series(np.frombuffer(carry, dtype=np.uint8)), pieces[0]])
        yield pieces
        carry = chunk[cut + 1 :]
    if carry:
        yield [pl.Series(np.frombuffer(carry, dtype=np.uint8))]


def _decoded(block: pl.Series) -> tuple[pl.Series, int]:
    """``block`` (its bytes) as one string, and how many invalid UTF-8 sequences were replaced in
    it. Polars checks the bytes without copying them through Python; only a block with invalid
    bytes is decoded by Python, whose replacements (one per maximal invalid sequence) are the ones
    counted."""
    try:
        return block.implode().cast(pl.Binary).cast(pl.String).alias("raw"), 0
    except pl.exceptions.ComputeError:
        data = block.to_numpy().tobytes()
        text = data.decode("utf-8", errors="replace")
        return pl.Series("raw", [text], dtype=pl.String), text.count("\ufffd") - data.count(_REPLACEMENT)


def _split(text: pl.Series, *, ends: bool, crlf: bool) -> pl.Series:
    """One block's text cut at newlines, in Polars; a ``\\r`` before a newline goes with it.
    ``ends``: the block ends with a newline (only the last block of a source may not)."""
    lines = text.str.split("\n").explode()
    if ends:
        lines = lines.head(lines.len() - 1)  # nothing follows the last newline
    if crlf:
        # Every line but an unterminated last one was followed by a newline.
        last = lines.tail(0 if ends else 1)
        lines = pl.concat([lines.head(lines.len() - last.len()).str.strip_suffix("\r"), last])
    return lines


def _looks_binary(first: pl.Series) -> bool:
    return bool((first.head(8192) == 0).any())


@dataclass(slots=True)
class Tally:
    """What reading a source's bytes found so far: lines, bytes, invalid UTF-8 sequences replaced."""

    lines: int = 0
    bytes_read: int = 0
    invalid_utf8: int = 0


def read_lines(source: Source) -> Lines:
    """Read a source into lines: decompressed, CRLF-tolerant, invalid UTF-8 replaced and counted."""
    tally = Tally()
    series = list(_line_series(source, tally))
    records = _json_document(series)
    if records is not None:
        series = [records]
    return Lines(list(_numbered(series)), tally.invalid_utf8, tally.bytes_read)


def stream_lines(source: Source, tally: Tally) -> Iterator[pl.DataFrame]:
    """``read_lines``' chunks of a source, one at a time as it is read (never all held), counted
    in ``tally``. Not for a JSON document holding an array of records (``streamable`` says)."""
    yield from _numbered(_line_series(source, tally))


def _numbered(series: Iterable[pl.Series]) -> Iterator[pl.DataFrame]:
    first = 1
    for raw in series:
        yield pl.DataFrame({"raw": raw}).with_row_index("line", offset=first)
        first += raw.len()


def _line_series(source: Source, tally: Tally) -> Iterator[pl.Series]:
    stream, kind = _decompressing(_open(source))
    try:
        for i, pieces in enumerate(_split_at_newlines(_chunks(stream, source.name, kind))):
            if i == 0 and _looks_binary(pieces[0]):
                raise InputError(f"{source.name} looks like a binary file, not a log (it contains NUL bytes)")
            lines = []
            for piece in pieces:
                tally.bytes_read += piece.len()
                text, bad = _decoded(piece)
                tally.invalid_utf8 += bad
                lines.append(_split(text, ends=piece[-1] == _NEWLINE, crlf=bool((piece == _CR).any())))
            del text, pieces
            chunk = pl.concat(lines, rechunk=False)  # one chunk read, one frame of lines
            del lines
            tally.lines += chunk.len()
            yield chunk
    finally:
        if not source.stdin:
            stream.close()


def streamable(source: Source, min_bytes: int) -> bool:
    """Whether ``source`` can be read twice and is worth it: a plain (uncompressed) local file of
    ``min_bytes`` or more that does not hold one JSON document (an array of records)."""
    if source.path is None or source.url is not None:
        return False
    try:
        if source.path.stat().st_size < min_bytes:
            return False
        with open(source.path, "rb") as f:
            head = f.read(CHUNK_BYTES)
    except OSError:
        return False  # read_lines says why
    if any(head.startswith(magic) for magic in _MAGIC) or _looks_binary(pl.Series(np.frombuffer(head, dtype=np.uint8))):
        return False  # read whole, which says why a binary file is not read
    first, _, rest = head.partition(b"\n")
    return not _may_be_json_document(first.decode("utf-8", errors="replace"), more_lines=bool(rest))


def gather_lines(source: Source, positions: np.ndarray) -> pl.Series:
    """The lines at ``positions`` (0-based, ascending, may repeat) of a plain file, as
    ``read_lines`` would give them, found by scanning its bytes for newlines (nothing decoded but them)."""
    wanted: list[bytes] = []
    base, carry, at = 0, b"", 0
    with open(source.path, "rb") as f:  # type: ignore[arg-type]
        while at < len(positions):
            chunk = f.read(CHUNK_BYTES)
            data = carry + chunk
            if not chunk:
                ends = np.array([len(data)]) if data else np.array([], dtype=np.int64)
            else:
                ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE)
            starts = np.concatenate([[0], ends[:-1] + 1]) if len(ends) else ends
            stop = int(np.searchsorted(positions, base + len(ends)))
            for p in positions[at:stop]:
                wanted.append(data[starts[p - base] : ends[p - base]])
            at = stop
            base += len(ends)
            carry = data[ends[-1] + 1 :] if len(ends) else data
            if not chunk:
                break
    texts = [w.decode("utf-8", errors="replace") for w in wanted]
    return pl.Series("raw", [t[:-1] if t.endswith("\r") else t for t in texts], dtype=pl.String)


def count_lines(source: Source, head: int) -> tuple[int, pl.Series]:
    """A plain file's count of lines, and its first ``head`` lines, read as bytes."""
    n, carry = 0, b""
    with open(source.path, "rb") as f:  # type: ignore[arg-type]
        while chunk := f.read(CHUNK_BYTES):
            n += chunk.count(b"\n")
            carry = chunk[-1:]
    if carry and carry != b"\n":
        n += 1  # a last line without a newline
    return n, gather_lines(source, np.arange(min(n, head)))




_RECORD_LISTS = ("events", "entries", "logEvents", "records", "Records", "logs", "items", "results", "hits")


def _may_be_json_document(first: str, *, more_lines: bool) -> bool:
    """Whether a source whose first line is ``first`` may hold one JSON document: it opens an
    array, or an object that is not a whole line of JSON lines."""
    first = first.strip()
    return first.startswith("[") or (first.startswith("{") and not (more_lines and first.endswith("}")))


def _json_document(series: list[pl.Series]) -> pl.Series | None:
    """A JSON document holding an array of records (``gcloud logging read --format=json``,
    ``aws logs filter-log-events``), as one JSON line per record; None for anything else."""
    if not series or series[0].len() == 0:
        return None
    if not _may_be_json_document(series[0][0], more_lines=series[0].len() > 1):
        return None
    try:
        value = json.loads("\n".join(line for part in series for line in part.to_list()))
    except ValueError:
        return None
    if isinstance(value, dict):
        if any(key in value for key in ("message", "msg", "log", "MESSAGE")):
            return None
        value = next((value[k] for k in _RECORD_LISTS if isinstance(value.get(k), list)), None)
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        return None
    # Records of an export (not lines of a log): one Python step per record, as json does anyway.
    return pl.Series("raw", [json.dumps(item, ensure_ascii=False) for item in value], dtype=pl.String)
