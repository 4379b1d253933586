"""Records made compact as they are read, so memory does not grow with the text of every line.

``rca analyze`` needs each record's time, service, level, statement, trace and masked message,
but the text of a line only for a few things: the names it mentions, the numbers inside it, the
examples a report shows. So as each source (or batch of small ones) is read, its messages are
masked and its records split in two (``Compactor.add``):

- the lines (``lines_only``): one row per record, without text: ``source``, ``service`` and
  ``statement`` categorical, ``trace_id`` a 64-bit hash of the record's trace or request id (a
  structured field, else one its message names), and ``MASKED_ID`` (a template, categorical
  too, once mined: ``rca.mine.templates.assign_compact``);
- the texts: ``message``, ``body`` and ``attributes`` of a sample of the records, per (service,
  masked message), keyed by ``source`` and ``line``. A record is kept when the low bits of a hash
  of its place (its file's name and its line) are zero, as many bits as it takes to keep at most
  ``2 * KEPT_PER_KEY`` of its key's records: every record of a key with fewer, an even spread over
  time of a busy one. The rule depends only on the record and its key's count, so shards read
  apart (on a Dask cluster) keep the same records as one run (``prune``).
"""

from __future__ import annotations

import polars as pl

from rca.mine.templates import MASKED_ID, mask_messages
from rca.signals.features import LOCATED

TEXT_COLUMNS = ("message", "body", "attributes")
KEY = ["service", MASKED_ID]
# Each (service, masked message) keeps the texts of this many to twice as many of its records:
# two to eight times what the samplers after take (numbers: about 1,000 lines of a statement;
# names: 512), so their even spread over the kept records is close to one over all of them. (At
# 4,096 the same ranks came out on every corpus, and 4M lines of Loghub held 100 MB more.)
KEPT_PER_KEY = 2048
# Joins of more records than this run in Polars' streaming engine (memory bounded by its batches).
STREAM_ROWS = 1_000_000


def lines_only(records: pl.DataFrame) -> pl.DataFrame:
    """Masked ``records`` without their text: one row per record (see the module's doc)."""
    from rca.signals.causal import TRACE_ID

    trace = pl.col("trace_id")
    if "message" in records.columns:
        trace = pl.coalesce(trace, pl.col("message").str.extract(TRACE_ID, 1))
    component = pl.col("component")
    lines = records.lazy().select(
        pl.col("source").cast(pl.Categorical), "line", "timestamp", pl.col("service").cast(pl.Categorical), "level",
        statement=pl.when(component.str.contains(LOCATED)).then(component).cast(pl.Categorical),
        trace_id=pl.when(trace.is_not_null()).then(trace.hash(seed=0)),
        **{MASKED_ID: pl.col(MASKED_ID)},
    ).collect(engine="streaming")
    # Most logs have no trace ids, many no code locations: a column of nothing but nulls is made
    # of type Null, which holds no value per record (12 of its ~41 bytes).
    empty = [c for c in ("statement", "trace_id") if lines.height and lines.get_column(c).null_count() == lines.height]
    return lines.with_columns(pl.lit(None).alias(c) for c in empty) if empty else lines


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

    @property
    def masked(self) -> pl.Series:
        """The distinct masked messages, a record's ``MASKED_ID`` indexing them."""
        return self._index.get_column("_masked")

    @property
    def texts(self) -> pl.DataFrame:
        """The texts kept: ``source``, ``line``, ``service``, ``MASKED_ID``, ``_hash`` and ``TEXT_COLUMNS``."""
        self._texts = [prune(pl.concat(self._texts), self.counts)] if self._texts else []
        return self._texts[0] if self._texts else _empty_texts()

    def add(self, records: pl.DataFrame) -> pl.DataFrame:
        """The lines of ``records`` (read, not yet masked); their texts are sampled here."""
        records = self.masked_records(records)
        counts = summed([self.counts, records.group_by(KEY).agg(n=pl.len().cast(pl.UInt32))])
        self.counts = counts
        texts = records.select("source", "line", *KEY, *TEXT_COLUMNS, _hash=_place_hash(records))
        self._texts.append(_owned(prune(texts, counts).with_columns(pl.col("source").cast(pl.Categorical))))
        if len(self._texts) > 8:
            self._texts = [_owned(prune(pl.concat(self._texts), counts))]
        return lines_only(records)

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
            new = new.with_row_index(MASKED_ID, offset=start).select("_masked", pl.col(MASKED_ID).cast(pl.UInt32))
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
                                "message": pl.String, "body": pl.String, "attributes": pl.String, "_hash": pl.UInt64})


def with_texts(records: pl.DataFrame, texts: pl.DataFrame | None, *columns: str, where: pl.Expr | None = None) -> pl.DataFrame:
    """``columns`` of the records whose texts were kept, with their texts (``TEXT_COLUMNS``), in
    the records' order, and given ``where``, those it holds for; records that hold their texts
    (not compact) are given as they are (filtered by ``where``)."""
    if texts is None or "message" in records.columns:
        return records if where is None else records.filter(where)
    keys = ["source", "line"]
    # Many records are joined in the streaming engine, a batch at a time against the few texts
    # (eagerly, the keys of every record are hashed at once); a few, eagerly (quicker to start).
    kept = records.lazy().select(*keys, *(c for c in columns if c not in keys)).join(
        texts.lazy().select(*keys, *TEXT_COLUMNS), on=keys, how="inner", maintain_order="left"
    ).collect(engine="streaming" if records.height > STREAM_ROWS else "in-memory")
    return kept if where is None else kept.filter(where)
