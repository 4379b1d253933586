"""Records read compact (``rca.mine.compact``): cells of records without their text (one row per
key and second), the records with a trace id apart, and a sample of texts per (service, masked
message) that is every text of a quiet one, a bounded spread of a busy one, and the same however
the input is cut into shards."""

from __future__ import annotations

import polars as pl
import pytest

import rca.mine.compact
from rca.mine.compact import TEXT_COLUMNS, cells, spread_records
from rca.mine.shards import map_shard, read_masked, reduce_shards
from rca.read.sources import resolve
from rca.settings import Settings

LINE = "2026-11-23 10:{:02d}:{:02d} {} [main] app.Worker - {}\n"


def _log(messages: list[tuple[str, str]], *, start: int = 0) -> str:
    return "".join(LINE.format((start + i) // 60 % 60, (start + i) % 60, level, text) for i, (level, text) in enumerate(messages))


@pytest.fixture
def few_kept(monkeypatch: pytest.MonkeyPatch) -> int:
    """A busy key here is one of more than 2 * 8 records."""
    monkeypatch.setattr(rca.mine.compact, "KEPT_PER_KEY", 8)
    return 8


def test_lines_hold_no_text_and_quiet_keys_keep_every_text(write) -> None:  # type: ignore[no-untyped-def]
    path = write("app.log", _log([("INFO", f"took {i} ms") for i in range(10)] + [("ERROR", "disk full on /var")]))
    read = read_masked([path], Settings(), compact=True)
    assert not set(TEXT_COLUMNS) & set(read.records.columns)
    # A second apart, each record is a cell of its own.
    assert read.records.height == 11 and read.records.get_column("n").to_list() == [1] * 11
    # No code locations: that column holds nothing per cell; no trace ids: no record is traced.
    assert read.records.schema["statement"] == pl.Null and not read.records.get_column("traced").any()
    assert read.spans is not None and read.spans.height == 0
    assert read.texts is not None
    assert read.texts.get_column("message").to_list() == [f"took {i} ms" for i in range(10)] + ["disk full on /var"]
    # The texts carry their records' place, time and level.
    assert read.texts.get_column("line").to_list() == list(range(1, 12))
    assert read.texts.get_column("timestamp").equals(read.records.get_column("timestamp"))
    assert read.texts.get_column("level").to_list()[-2:] == ["INFO", "ERROR"]


def test_records_of_one_key_in_one_second_are_one_cell(write) -> None:  # type: ignore[no-untyped-def]
    lines = [f"2026-11-23 10:00:0{s}.{ms:03d} INFO [main] app.Worker - took {ms} ms\n" for s, ms in
             [(1, 100), (1, 200), (1, 900), (2, 50)]]
    lines.insert(2, "2026-11-23 10:00:01.500 WARN [main] app.Worker - took 7 ms\n")  # another level: another cell
    read = read_masked([write("app.log", "".join(lines))], Settings(), compact=True)
    table = read.records.select("line", "n", "level", first=pl.col("timestamp").dt.strftime("%S.%3f"),
                                last=pl.col("last").dt.strftime("%S.%3f")).rows()
    assert table == [(1, 3, "INFO", "01.100", "01.900"), (3, 1, "WARN", "01.500", "01.500"), (5, 1, "INFO", "02.050", "02.050")]
    # Spread out again, a cell's first and last records are where they were, the others between.
    spread = spread_records(read.records.lazy()).collect().get_column("timestamp").dt.strftime("%S.%3f").to_list()
    assert spread == ["01.100", "01.500", "01.900", "01.500", "02.050"]
    # Cells of cells are the same cells.
    assert cells(read.records).select("n", "timestamp", "last").equals(read.records.select("n", "timestamp", "last"))


def test_a_busy_key_keeps_a_bounded_spread_over_its_time(write, few_kept: int) -> None:  # type: ignore[no-untyped-def]
    path = write("app.log", _log([("INFO", f"took {i} ms") for i in range(2000)] + [("WARN", "slow disk")]))
    read = read_masked([path], Settings(), compact=True)
    assert read.texts is not None
    busy = read.texts.filter(pl.col("message").str.starts_with("took"))
    # An even spread by a hash: about 2000 / 128 of them, far fewer than the lines.
    assert few_kept // 2 <= busy.height <= 4 * few_kept
    lines = busy.get_column("line")
    assert lines.min() < 700 and lines.max() > 1300  # type: ignore[operator]
    assert read.texts.filter(pl.col("message") == "slow disk").height == 1
    assert read.records.get_column("n").sum() == 2001


def test_shards_read_apart_keep_the_texts_one_shard_keeps(write, few_kept: int) -> None:  # type: ignore[no-untyped-def]
    """The keep rule depends on a record's place and its key's count over all shards, so the texts
    (and the lines) are the same as one shard of everything gives, on a cluster or not."""
    first = write("a.log", _log([("INFO", f"took {i} ms") for i in range(300)] + [("INFO", "cache warm")]))
    second = write("b.log", _log([("INFO", f"took {i} ms") for i in range(300)] + [("INFO", "queue full")], start=400))
    whole = read_masked([first, second], Settings(), compact=True)
    apart = reduce_shards([map_shard([s], Settings(), compact=True) for s in resolve([first, second])], Settings())
    assert whole.texts is not None and apart.texts is not None
    keys = ["source", "line", "message"]
    assert apart.texts.select(keys).cast({"source": pl.String}).equals(whole.texts.select(keys).cast({"source": pl.String}))
    assert apart.masked.to_list() == whole.masked.to_list()
    assert apart.records.equals(whole.records)


def test_a_trace_id_named_in_a_message_is_the_record_s_trace(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import rca.read.ingest

    monkeypatch.setattr(rca.read.ingest, "BATCH_LINES", 1)  # each file made compact on its own
    path = write("app.log", _log([("INFO", "GET /cart trace_id=4bf92f3577b34da6 took 5 ms"), ("INFO", "GET /cart took 5 ms"),
                                  ("INFO", "POST /pay trace_id=4bf92f3577b34da6 ok")]))
    quiet = write("quiet.log", _log([("INFO", "GET /cart took 5 ms")]))
    # A file with traces and one without read together: the traced records apart, by their trace's hash.
    read = read_masked([path, quiet], Settings(), compact=True)
    assert read.records.get_column("traced").to_list() == [True, False, True, False]
    assert read.spans is not None
    spans = read.spans.get_column("trace_id").to_list()
    assert len(spans) == 2 and spans[0] == spans[1] is not None


def _java_log(n: int) -> str:
    """``n`` records of a Java service, every seventh with a stack trace (lines without a header)."""
    out = []
    for i in range(n):
        stamp = f"2026-11-23 10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}"
        if i % 7 == 3:
            out.append(f"{stamp} ERROR [http-{i % 4}] c.s.PaymentClient#88 - charge failed for order {i}\n"
                       f"java.net.SocketTimeoutException: Read timed out\n\tat java.net.Socket.read(Socket.java:{i % 50})\n"
                       "\tat c.s.PaymentClient.charge(PaymentClient.java:88)\n")
        else:
            out.append(f"{stamp} INFO [http-{i % 4}] c.s.OrderService#41 - order {i} placed in {i % 90} ms\n")
    return "".join(out)


def test_a_large_file_read_a_chunk_at_a_time_gives_what_reading_it_whole_gives(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Read twice (once for the sample, then a chunk of lines at a time), in groups of records that
    cut stack traces apart, a file gives the records, summary and texts of reading it whole."""
    import rca.read.ingest
    import rca.read.lines

    text = _java_log(3000).replace("\n", "\r\n", 400).encode()
    path = write("shop.log", text.replace(b"placed in 7 ms", b"placed in \xff\xfe ms"))  # CRLF and invalid UTF-8 too
    whole = read_masked([path], Settings(), compact=True)
    monkeypatch.setattr(rca.read.ingest, "STREAM_BYTES", 1)
    monkeypatch.setattr(rca.read.ingest, "GROUP_LINES", 97)
    monkeypatch.setattr(rca.read.lines, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(rca.read.lines, "PIECE_BYTES", 1024)
    told: list[str] = []
    streamed = read_masked([path], Settings(), told.append, compact=True)
    assert streamed.summary == whole.summary
    # A large file's reading is told group by group, not only as it starts.
    assert sum("records" in m for m in told) > 10 and told[-1].startswith("reading logs: 3,000 records")
    assert streamed.summary.sources[0].continuation_lines == 3 * 429
    assert streamed.summary.sources[0].invalid_utf8 == whole.summary.sources[0].invalid_utf8 > 0
    assert streamed.records.equals(whole.records)
    assert streamed.masked.to_list() == whole.masked.to_list()
    assert streamed.texts is not None and whole.texts is not None
    assert streamed.texts.drop("source").equals(whole.texts.drop("source"))


def test_a_file_s_sample_read_from_its_bytes_is_the_sample_of_its_lines(write) -> None:  # type: ignore[no-untyped-def]
    from rca.read.ingest import _sample_file, sample_lines
    from rca.read.lines import read_lines

    path = write("shop.log", _java_log(3000).replace("\n", "\r\n", 500) + "last line without a newline")
    source = resolve([path])[0]
    sample, head = _sample_file(source, 400)
    lines = read_lines(source).frame
    assert sample.to_list() == sample_lines(lines, 400).to_list()
    assert head.to_list() == lines.get_column("raw").head(1600).to_list()


def test_standard_input_is_read_like_a_file_a_chunk_at_a_time(write, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Piped in (``kubectl logs ... | rca analyze -``), a large log is written to a temporary file
    and read a chunk at a time like a file: the same records, still named ``-``, and the file gone."""
    import io
    import sys
    import tempfile
    from pathlib import Path
    from types import SimpleNamespace

    import rca.read.ingest
    import rca.read.lines

    text = _java_log(3000)
    path = write("shop.log", text)
    monkeypatch.setattr(rca.read.ingest, "STREAM_BYTES", 1)
    monkeypatch.setattr(rca.read.ingest, "GROUP_LINES", 97)
    monkeypatch.setattr(rca.read.lines, "CHUNK_BYTES", 4096)
    from_file = read_masked([path], Settings(), compact=True)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(text.encode())))
    # A temporary directory of the test's own: another rca reading its standard input meanwhile
    # (a second test run on this machine) spools into the shared one.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spools = set(Path(tempfile.gettempdir()).glob("rca-stdin-*"))
    streamed = []
    read_streamed = rca.read.ingest._read_streamed
    monkeypatch.setattr(rca.read.ingest, "_read_streamed", lambda *a: streamed.append(1) or read_streamed(*a))
    piped = read_masked(["-"], Settings(), compact=True)
    assert streamed == [1]
    assert piped.summary.sources[0].source == "-"
    assert piped.summary.sources[0].records == from_file.summary.sources[0].records == 3000
    assert piped.records.drop("source", "service").equals(from_file.records.drop("source", "service"))
    assert set(Path(tempfile.gettempdir()).glob("rca-stdin-*")) == spools


def test_shards_whose_files_hold_traces_or_not_come_together(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A shard of a file without trace ids then one with them, reduced with another shard (as on a
    cluster): the traced record's cell says so, and its trace is among the spans."""
    import rca.read.ingest

    monkeypatch.setattr(rca.read.ingest, "BATCH_LINES", 1)  # each file made compact on its own
    quiet = write("a.log", _log([("INFO", "GET /cart took 5 ms")]))
    traced = write("b.log", _log([("INFO", "GET /cart trace_id=4bf92f3577b34da6 took 5 ms")]))
    other = write("c.log", _log([("INFO", "GET /x took 5 ms")]))
    sources = resolve([quiet, traced, other])
    apart = reduce_shards([map_shard(sources[:2], Settings(), compact=True), map_shard(sources[2:], Settings(), compact=True)], Settings())
    assert apart.records.get_column("traced").to_list() == [False, True, False]
    assert apart.spans is not None and apart.spans.get_column("source").cast(pl.String).to_list() == [traced]


def test_templates_read_without_text_show_each_template_s_first_record_whatever_order_sources_are_read() -> None:
    from datetime import UTC, datetime, timedelta

    from rca.mine.compact import FirstTexts
    from rca.pipeline import summarise_templates

    at = datetime(2026, 11, 23, 10, tzinfo=UTC)

    def records(source: str, messages: list[str], minute: int) -> pl.DataFrame:
        return pl.DataFrame({
            "source": [source] * len(messages), "line": pl.Series(range(1, len(messages) + 1), dtype=pl.UInt32),
            "timestamp": [at + timedelta(minutes=minute, seconds=i) for i in range(len(messages))],
            "service": ["app"] * len(messages), "level": pl.Series(["INFO"] * len(messages)).cast(pl.Enum(["INFO"])),
            "message": messages,
        })

    # Small sources are read in batches, not in their order: b.log's records reach the compactor
    # first, but a.log comes first in the input, so its first line is the template's example.
    first_texts = FirstTexts()
    b = first_texts.add(records("b.log", ["took 5 ms", "took 7 ms"], minute=1))
    a = first_texts.add(records("a.log", ["took 9 ms"], minute=0))
    assert "message" not in a.columns
    (summary,) = summarise_templates(pl.concat([a, b]), first_texts.masked, texts=first_texts.texts)
    assert summary.count == 3 and summary.template == "took <*> ms"
    assert (summary.example.source, summary.example.line, summary.example.message) == ("a.log", 1, "took 9 ms")


@pytest.mark.parametrize("since", [None, "2026-11-23T10:00:02Z"])
def test_texts_are_timed_as_the_records_are(tmp_path, since) -> None:  # type: ignore[no-untyped-def]
    """A text carries its record's time as reading gives it: a syslog file's times without a year
    moved to the other sources' year, and outside ``--since`` none is kept."""
    from datetime import datetime

    from rca.read.ingest import ingest
    from tests.test_ingest import _folder_of_small_files

    folder = _folder_of_small_files(tmp_path)
    settings = Settings(since=None if since is None else datetime.fromisoformat(since))
    records, summary = ingest([folder], settings)
    assert any("+1 years" in note for s in summary.sources for note in s.notes)  # a syslog file was moved
    read = read_masked([folder], settings, compact=True)
    assert read.texts is not None
    keys = ["source", "line", "timestamp"]
    texts = read.texts.select(pl.col("source").cast(pl.String), "line", "timestamp").sort(keys)
    # Every record of these quiet files keeps its text.
    assert texts.equals(records.filter(pl.col("timestamp").is_not_null() | pl.lit(since is None)).select(keys).sort(keys))
    assert read.records.get_column("n").sum() == records.height


def test_spans_beyond_their_budget_keep_whole_requests_the_same_however_read(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Past ``MAX_SPANS`` records with a trace id, whole requests are kept by their trace's hash:
    every record of a kept request, and the same requests read in one shard or in two."""
    import rca.read.ingest

    monkeypatch.setattr(rca.mine.compact, "MAX_SPANS", 20)
    monkeypatch.setattr(rca.read.ingest, "BATCH_LINES", 1)  # each file made compact on its own
    def requests(start: int) -> str:
        return _log([("INFO", f"{step} trace_id={trace:016x} took 5 ms") for trace in range(start, start + 15)
                     for step in ("GET /cart", "POST /pay")], start=start * 2)
    first, second = write("a.log", requests(0)), write("b.log", requests(100))
    whole = read_masked([first, second], Settings(), compact=True)
    assert whole.spans is not None
    per_trace = whole.spans.group_by("trace_id").len()
    assert 0 < whole.spans.height <= 20 and per_trace.get_column("len").to_list() == [2] * per_trace.height
    apart = reduce_shards([map_shard([s], Settings(), compact=True) for s in resolve([first, second])], Settings())
    assert apart.spans is not None
    assert sorted(apart.spans.get_column("trace_id").to_list()) == sorted(whole.spans.get_column("trace_id").to_list())
    # The cells still count every record, traced or not kept.
    assert whole.records.get_column("n").sum() == 60


def test_cells_grow_longer_past_their_budget_and_buckets_follow(write, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Past ``MAX_CELLS`` cells, later records are counted in cells of 5 seconds, then 15, ...:
    every record is still counted, the times of each cell's first and last records stay exact, and
    the buckets analyze counts in are whole multiples of the longest cells."""
    import rca.read.ingest
    from rca.mine.templates import TemplateTree, assign_compact
    from rca.signals.features import build_features, choose_bucket

    monkeypatch.setattr(rca.mine.compact, "MAX_CELLS", 10)
    monkeypatch.setattr(rca.read.ingest, "BATCH_LINES", 1)
    files = [write(f"app-{i}.log", _log([("INFO", f"took {j} ms") for j in range(45)], start=45 * i)) for i in range(4)]
    read = read_masked(files, Settings(), compact=True)
    # A record a second: the first file in cells of a second (45 of them, past the budget), the
    # next two in cells of 5 seconds (9 each), the last in cells of 15.
    assert read.resolution_s == 15
    assert read.records.get_column("n").sum() == 180
    assert read.records.get_column("n").to_list() == [1] * 45 + [5] * 18 + [15] * 3
    assert read.records.get_column("last").max() == read.summary.last
    assert choose_bucket(read.summary.last - read.summary.first, at_least_s=15).total_seconds() == 15
    records, texts = assign_compact(read.records, read.texts, read.masked, TemplateTree())
    features = build_features(records, texts=texts, resolution_s=read.resolution_s)
    assert features.bucket.total_seconds() % 15 == 0 and features.counts.sum() == 180


def test_a_yearless_source_read_with_others_is_moved_to_their_year_whole(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Sources read together (small ones in a batch) are made cells together, fewer rows than
    # records: each source must take back its own cells, or the year given to one lands on
    # another's cells and some of its own keep the year they were guessed in.
    import os

    # Each over SMALL_LINES, so neither is read in a batch of small ones: both wait to be made
    # cells with the next sources.
    app = [f"2024-11-18 16:{m:02d}:{s:02d},{k:03d} INFO [main] com.acme.App - served {k}" for m in range(50, 60) for s in range(60)
           for k in range(40)]
    proxy = [f"Nov 18 16:{m:02d}:{s:02d} host-1 proxy[81]: request {k} done" for m in range(50, 60) for s in range(60)
             for k in range(40)]
    (tmp_path / "app.log").write_text("\n".join(app) + "\n")
    (tmp_path / "proxy.log").write_text("\n".join(proxy) + "\n")
    written = 1795000000  # 2026-11-18: the proxy's times are guessed in its file's year first
    os.utime(tmp_path / "proxy.log", (written, written))
    read = read_masked([str(tmp_path)], Settings(), compact=True)
    years = read.records.group_by(pl.col("source").cast(pl.String).str.extract(r"(\w+)\.log$")).agg(
        pl.col("timestamp").dt.year().unique().sort()
    ).sort("source")
    assert years.rows() == [("app", [2024]), ("proxy", [2024])]
    assert read.summary.last.year == 2024
