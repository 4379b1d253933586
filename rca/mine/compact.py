"""Records made compact as they are read, so memory does not grow with the text of every line.

``rca analyze`` needs each record's time, service, level, statement, trace and masked message,
but the text of a line only for a few things: the names it mentions, the numbers inside it, the
examples a report shows. So as each source (or batch of small ones) is read, its messages are
masked and its records split in three (``Compactor.add``):

- the cells (``cells``): the records without text, counted per key and second. One row per
  (``source``, ``service``, ``level``, ``statement``, ``traced``, ``MASKED_ID``) and second of
  time, with ``n`` records, the ``timestamp`` of its first record and ``last`` of its last, and
  the ``line`` of its first. ``source``, ``service`` and ``statement`` are categorical,
  ``traced`` says whether the records carry a trace or request id, and ``MASKED_ID`` becomes a
  template (categorical too) once mined (``rca.mine.templates.assign_compact``). A busy
  statement's thousand lines a second are one row; a quiet one's lines are a row each. Counts
  per bucket are exact (buckets are whole seconds); times within a cell are known at its ends
  (``spread_records`` spreads the others between them where a stage reads records one by one);
- the spans: ``trace_id`` (a 64-bit hash of the record's trace or request id: a structured
  field, else one its message names), ``service``, ``source`` and ``timestamp`` of each record
  that carries one, for the stages that follow requests across services;
- the texts: ``message``, ``body`` and ``attributes`` of a sample of the records, per (service,
  masked message), with their ``source``, ``line``, ``timestamp``, ``level``, ``statement`` and
  ``component`` (the logger: a client's names what it calls).
  A record is kept when the low bits of a hash of its place (its file's name and its line) are
  zero, as many bits as it takes to keep at most ``2 * KEPT_PER_KEY`` of its key's records:
  every record of a key with fewer, an even spread over time of a busy one. The rule depends
  only on the record and its key's count, so shards read apart (on a Dask cluster) keep the same
  records as one run (``prune``).
"""

from __future__ import annotations

import polars as pl

from rca.mine.templates import MASKED_ID, mask_messages
from rca.read.words import LEVEL_DTYPE
from rca.signals.features import LOCATED

TEXT_COLUMNS = ("message", "body", "attributes")
KEY = ["service", MASKED_ID]
# Each (service, masked message) keeps the texts of this many to twice as many of its records:
# one to four times what the samplers after take (numbers: about 1,000 lines of a statement,
# which may have several masked messages; names: 512), so their even spread over the kept
# records is close to one over all of them. (At 2,048 and 4,096 the same ranks came out on the
# validation and held-out seeds and Nezha, and 4M lines of Loghub peaked 100 MB and 200 MB higher.)
KEPT_PER_KEY = 1024
SPAN_SCHEMA = {"trace_id": pl.UInt64, "service": pl.Categorical, "source": pl.Categorical, "timestamp": pl.Datetime("us", "UTC")}
# Cells are a second long until this many are made, then as long as the next of these (every
# bucket size rca picks from that one on is a multiple of it, so counts per bucket stay exact),
# and so on: a long log's cells do not grow with its seconds. Times within a cell are known at
# its first and last records.
RESOLUTIONS_S = (1, 5, 15, 30, 60, 300, 900, 1800, 3600)
MAX_CELLS = 1_000_000
# At most this many records with a trace id are kept (24 bytes each): beyond it, whole requests
# are kept by their trace's hash, one in two, four, ... (the stages that read them sample fewer).
MAX_SPANS = 2_000_000


# What makes records alike enough to be counted as one cell (with their second).
CELL_KEY = ["source", "service", "level", "statement", "traced", MASKED_ID]


def lines_only(records: pl.DataFrame) -> pl.DataFrame:
    """Masked ``records`` without their text, as cells (see the module's doc)."""
    return cells(_compact_columns(records))


def _compact_columns(records: pl.DataFrame) -> pl.DataFrame:
    """One row per record: its place, time, service, level, statement, trace hash and ``MASKED_ID``."""
    from rca.read.structured import trace_of
    from rca.signals.causal import TRACE_ID

    trace = pl.col("trace_id")
    if "message" in records.columns:
        trace = pl.coalesce(trace, trace_of(pl.col("message").str.extract(TRACE_ID, 1)))
    component = pl.col("component")
    return records.lazy().select(
        pl.col("source").cast(pl.Categorical), "line", "timestamp", pl.col("service").cast(pl.Categorical), "level",
        statement=pl.when(component.str.contains(LOCATED)).then(component).cast(pl.Categorical),
        trace_id=pl.when(trace.is_not_null()).then(trace.hash(seed=0)),
        **{MASKED_ID: pl.col(MASKED_ID)},
    ).collect(engine="streaming")


def cells(lines: pl.DataFrame, resolution_s: int = 1) -> pl.DataFrame:
    """Records (one row each, or cells already) as cells: one row per ``CELL_KEY`` and
    ``resolution_s`` seconds of time (from the epoch on), with ``n`` records, the ``timestamp``
    of the first and ``last`` of the last, and the ``line`` of the first; in the order of their
    first records. Records without a time form one cell per key."""
    n = pl.col("n").sum() if "n" in lines.columns else pl.len()
    last = pl.col("last").max() if "last" in lines.columns else pl.col("timestamp").max()
    if "traced" not in lines.columns and "trace_id" in lines.columns:
        lines = lines.with_columns(traced=pl.col("trace_id").is_not_null())
    keys = [c for c in CELL_KEY if c in lines.columns]
    out = (
        lines.lazy()
        .group_by(*keys, _second=pl.col("timestamp").dt.truncate(f"{resolution_s}s"), maintain_order=True)
        .agg(pl.col("line").min(), pl.col("timestamp").min(), last=last, n=n.cast(pl.UInt32))
        .drop("_second")
        .select("source", "line", "timestamp", "last", "n", *(c for c in keys if c != "source"))
        .collect()
    )
    # Most logs have no trace ids, many no code locations: a column of nothing but nulls is made
    # of type Null, which holds no value per cell.
    empty = [c for c in ("statement",) if c in out.columns and out.height and out.get_column(c).null_count() == out.height]
    return out.with_columns(pl.lit(None).alias(c) for c in empty) if empty else out


def sampled_spans(spans: pl.DataFrame, stride: int = 1) -> tuple[pl.DataFrame, int]:
    """``spans`` of the requests whose trace hash a power of two (``stride`` or more) divides, the
    smallest that keeps at most ``MAX_SPANS``, and that stride. The same requests are kept however
    the input was cut into batches or shards."""
    spans = spans.filter(pl.col("trace_id") % stride == 0) if stride > 1 else spans
    while spans.height > MAX_SPANS:
        stride *= 2
        spans = spans.filter(pl.col("trace_id") % stride == 0)
    return spans, stride


def records_in(cells: pl.DataFrame) -> pl.Expr:
    """The records a frame of cells holds (a frame of records: one a row)."""
    return pl.col("n").sum() if "n" in cells.columns else pl.len()


def _place_hash(records: pl.DataFrame) -> pl.Expr:
    """A hash of each record's place: its file's name without its folder (so ``logs/`` and
    ``/srv/logs/`` keep the same records) and its line. The names are cut once per file."""
    sources = records.get_column("source").cast(pl.String).unique()
    names = sources.str.extract(r"([^/\\]*)$", 1)
    name = pl.col("source").cast(pl.String).replace_strict(sources, names, return_dtype=pl.String)
    return pl.struct(name, "line").hash(seed=3)


def _kept() -> pl.Expr:
    """Whether a text row (with ``_hash`` and its key's count ``n``) is kept."""
    stride = pl.lit(2.0).pow((pl.col("n") / (2 * KEPT_PER_KEY)).log(2).ceil().clip(lower_bound=0)).cast(pl.UInt64)
    return (pl.col("_hash") % stride) == 0


def summed(counts: list[pl.DataFrame]) -> pl.DataFrame:
    """Counts of records per key (``n``) of several batches or shards as one."""
    return pl.concat(counts).group_by(KEY, maintain_order=True).agg(pl.col("n").sum())


def prune(texts: pl.DataFrame, counts: pl.DataFrame) -> pl.DataFrame:
    """The ``texts`` that the rule keeps, given each key's count of records ``n`` in ``counts``."""
    joined = texts.join(counts, on=KEY, how="left", maintain_order="left")
    return joined.filter(_kept()).drop("n")


class Compactor:
    """Masks and compacts records a batch at a time, keeping one numbering of the masked messages
    (``masked``), each key's count of records (``counts``) and the sampled texts (``texts``)."""

    def __init__(self) -> None:
        self._index = pl.DataFrame(schema={"_masked": pl.String, MASKED_ID: pl.UInt32})
        self.counts = pl.DataFrame(schema={"service": pl.String, MASKED_ID: pl.UInt32, "n": pl.UInt32})
        self._texts: list[pl.DataFrame] = []
        self._spans: list[pl.DataFrame] = []
        self.span_stride = 1  # the spans kept are those whose trace hash this divides (``sampled_spans``)
        self._resolution_s = 1  # how long the cells made now are (``RESOLUTIONS_S``)
        self._made = 0  # cells made at that resolution
        self.resolution_s = 1  # the longest cells made

    @property
    def masked(self) -> pl.Series:
        """The distinct masked messages, a record's ``MASKED_ID`` indexing them."""
        return self._index.get_column("_masked")

    @property
    def texts(self) -> pl.DataFrame:
        """The texts kept: ``source``, ``line``, ``service``, ``MASKED_ID``, ``_hash`` and ``TEXT_COLUMNS``."""
        self._texts = [_owned(prune(pl.concat(self._texts), self.counts))] if self._texts else []
        return self._texts[0] if self._texts else _empty_texts()

    @property
    def spans(self) -> pl.DataFrame:
        """The records that carry a trace or request id: ``trace_id`` (its hash), ``service``,
        ``source`` and ``timestamp``."""
        self._spans = [pl.concat(self._spans)] if self._spans else []
        return self._spans[0] if self._spans else pl.DataFrame(schema=SPAN_SCHEMA)

    def _add_spans(self, compact: pl.DataFrame) -> None:
        traced = compact.filter(pl.col("trace_id").is_not_null() & (pl.col("trace_id") % self.span_stride == 0))
        self._spans.append(traced.select(list(SPAN_SCHEMA)).cast(SPAN_SCHEMA))  # type: ignore[arg-type]
        if sum(s.height for s in self._spans) > MAX_SPANS:
            spans, self.span_stride = sampled_spans(pl.concat(self._spans), self.span_stride)
            self._spans = [spans]

    def add(self, records: pl.DataFrame) -> pl.DataFrame:
        """The lines of ``records`` (read, not yet masked); their texts are sampled here."""
        records = self.masked_records(records)
        counts = summed([self.counts, records.group_by(KEY).agg(n=pl.len().cast(pl.UInt32))])
        self.counts = counts
        compact = _compact_columns(records)
        texts = records.select(
            "source", "line", *KEY, *TEXT_COLUMNS, pl.col("component").cast(pl.Categorical), _hash=_place_hash(records)
        ).with_columns(compact.select("timestamp", "level", "statement"))
        self._texts.append(_owned(prune(texts, counts).with_columns(pl.col("source").cast(pl.Categorical))))
        if len(self._texts) > 8:
            self._texts = [_owned(prune(pl.concat(self._texts), counts))]
        if compact.schema["trace_id"] != pl.Null:
            self._add_spans(compact)
        made = cells(compact, self._resolution_s)
        self.resolution_s = self._resolution_s
        self._made += made.height
        if self._made > MAX_CELLS and self._resolution_s < RESOLUTIONS_S[-1]:
            self._resolution_s = RESOLUTIONS_S[RESOLUTIONS_S.index(self._resolution_s) + 1]
            self._made = 0
        return made

    def masked_records(self, records: pl.DataFrame) -> pl.DataFrame:
        """``records`` (read, not yet masked) with ``MASKED_ID`` in this numbering."""
        records, local = mask_messages(records)
        records = records.with_columns(pl.col(MASKED_ID).cast(pl.UInt32))
        ids = self.number(local)
        return records.with_columns(ids.gather(records.get_column(MASKED_ID)).alias(MASKED_ID))

    def number(self, local: pl.Series) -> pl.Series:
        """Each of ``local`` (a batch's distinct masked messages) its id in this numbering, new ones
        numbered after the others in their order."""
        joined = pl.DataFrame({"_masked": local}).join(self._index, on="_masked", how="left", maintain_order="left")
        new = joined.filter(pl.col(MASKED_ID).is_null()).select("_masked")
        if new.height:
            start = self._index.height
            # Their own copies: the batch's strings hold every masked message it has, not only the new ones.
            new = new.with_row_index(MASKED_ID, offset=start).select(
                pl.concat_str("_masked", pl.lit("")).alias("_masked"), pl.col(MASKED_ID).cast(pl.UInt32)
            )
            self._index = pl.concat([self._index, new])
            joined = joined.drop(MASKED_ID).join(self._index, on="_masked", how="left", maintain_order="left")
        return joined.get_column(MASKED_ID)


class FirstTexts(Compactor):
    """For ``rca templates``: masks and numbers records a batch at a time as ``Compactor`` does,
    but keeps only the text of each masked message's first record in each source (the example
    a template shows is its first record: the first of one of its masked messages in its
    source; sources are read in batches not in their order, each source's lines in order), and
    of every record only what a template's summary counts: ``source``, ``line``, ``timestamp``,
    ``service``, ``level`` and ``MASKED_ID``."""

    def __init__(self) -> None:
        super().__init__()
        self._firsts: list[pl.DataFrame] = []
        self._seen = pl.DataFrame(schema={"source": pl.String, MASKED_ID: pl.UInt32})

    @property
    def texts(self) -> pl.DataFrame:
        """``source``, ``line``, ``MASKED_ID`` and ``message`` of the first records (see the class)."""
        if not self._firsts:
            return pl.DataFrame(schema={"source": pl.String, "line": pl.UInt32, MASKED_ID: pl.UInt32, "message": pl.String})
        return pl.concat(self._firsts)

    def add(self, records: pl.DataFrame) -> pl.DataFrame:
        records = self.masked_records(records)
        firsts = (
            records.select(pl.col("source").cast(pl.String), "line", MASKED_ID, "message")
            .filter(pl.struct("source", MASKED_ID).is_first_distinct())
            .join(self._seen, on=["source", MASKED_ID], how="anti")
        )
        self._seen = pl.concat([self._seen, firsts.select("source", MASKED_ID)])
        self._firsts.append(firsts.with_columns(pl.concat_str("message", pl.lit(""))))
        return records.select(
            pl.col("source").cast(pl.Categorical), "line", "timestamp", pl.col("service").cast(pl.Categorical), "level", MASKED_ID
        )


def _owned(texts: pl.DataFrame) -> pl.DataFrame:
    """``texts`` with their strings copied out: a filtered string column still holds the whole
    buffer it was cut from (every message of the batch, for the few kept), until copied."""
    return texts.with_columns(pl.concat_str(c, pl.lit("")).alias(c) for c in ("service", *TEXT_COLUMNS))


def _empty_texts() -> pl.DataFrame:
    return pl.DataFrame(schema={"source": pl.Categorical, "line": pl.UInt32, "service": pl.String, MASKED_ID: pl.UInt32,
                                "message": pl.String, "body": pl.String, "attributes": pl.String, "_hash": pl.UInt64,
                                "timestamp": pl.Datetime("us", "UTC"), "level": LEVEL_DTYPE, "statement": pl.Categorical,
                                "component": pl.Categorical})


def spread_records(cells: pl.LazyFrame) -> pl.LazyFrame:
    """Cells as the records they hold, one a row: a cell's first and last records at their times,
    those between evenly spread between them (exact for cells of one or two records; the others
    are within the same second). Frames of records (without ``n``) are given as they are."""
    if "n" not in cells.collect_schema().names():
        return cells
    i = pl.col("_i")
    step = (pl.col("last") - pl.col("timestamp")).dt.total_microseconds() * i // (pl.col("n").cast(pl.Int64) - 1).clip(lower_bound=1)
    return (
        cells.with_columns(_i=pl.int_ranges(0, pl.col("n")))
        .explode("_i")
        .with_columns(timestamp=pl.col("timestamp") + pl.duration(microseconds=step))
        .drop("_i", "n", "last")
    )
