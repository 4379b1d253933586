"""Choose, from a sample of one source, the layouts its records are in: wrappers to peel first
(a container runtime's or kubectl's prefix, Docker's JSON), then the library's layouts that
explain the most lines, then one learned for the lines they leave, then loose fallbacks.

An input may hold several layouts (``cat`` of several logs, ``kubectl logs`` of several
containers, an application and its framework): every layout that explains enough of the
sample is kept, in the order that explains the most, and each line later takes the first that
matches it (``rca.read.fields``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from rca.errors import UsageError
from rca.read import infer
from rca.read.layouts import FALLBACKS, LIBRARY, SAMPLE_CHARS, WRAPPERS, Layout, compiled, layout_from_spec
from rca.read.structured import (
    DOCKER,
    StructuredLayout,
    docker_layout,
    is_docker_json,
    is_logfmt,
    json_exprs,
    learn_json_many,
    learn_logfmt_many,
    loads_object,
    read_samples,
)
from rca.read.timestamps import SHAPES, parse_timestamps

AnyLayout = Layout | StructuredLayout


@dataclass(frozen=True, slots=True)
class Plan:
    """How to read one source: ``wrappers`` to peel in order, then ``layouts`` tried on each line
    in order, then ``sweep`` (the rest of the library) on lines none of them matched. ``notes``
    say what was assumed."""

    wrappers: tuple[AnyLayout, ...]
    layouts: tuple[AnyLayout, ...]
    sweep: tuple[Layout, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[AnyLayout, ...]:
        """Every layout a line may be given, indexed as ``rca.read.fields`` numbers them."""
        return (*self.wrappers, *self.layouts, *self.sweep)


def choose(sample: pl.Series, *, spec: str | None = None, timestamp_format: str | None = None) -> Plan:
    """The plan for a source whose sampled lines are ``sample``.

    ``spec``: the user's ``--log-format``: the only layout (lines it does not match continue the
    record above); UsageError if it matches no sampled line.
    """
    if spec is None:
        return choose_many([sample.to_list()])[0]
    sample = sample.filter(sample.str.len_chars() > 0)
    layout = layout_from_spec(spec, sample, timestamp_format=timestamp_format)
    if sample.len() and not matches(layout, sample).any():
        raise UsageError(f"--log-format {spec!r} matches none of the first lines, e.g. {sample[0][:120]!r}")
    return Plan((), (layout,))


def choose_many(samples: Sequence[list[str]]) -> list[Plan]:
    """The plan of each of many sources, from their sampled lines, each as if chosen alone.

    What costs a call per line and layout in Python, or a fixed cost per call in Polars (the
    library's patterns, the times in JSON keys, timestamp shapes, which times read as dates),
    runs once for all the samples: a folder of thousands of small files would pay it per file.
    """
    peeled = [_peel([line for line in sample if line]) for sample in samples]
    lines = [sample for _, sample in peeled]
    candidates, hits, dated = _evidence(lines)
    covered = [_cover(sample, *evidence) for sample, *evidence in zip(lines, candidates, hits, dated, strict=True)]
    # Then loose fallbacks, for the lines still unread (stack traces, mostly).
    fallbacks = [[x for x in FALLBACKS if x.timestamp or not any(y.timestamp for y in chosen)] for chosen, _ in covered]
    fallback_hits = _matches_left(fallbacks, lines, [left for _, left in covered])
    fallback_dated = _dated_many(fallbacks, lines, fallback_hits)
    plans = []
    for (wrappers, sample), (chosen, left), *evidence in zip(peeled, covered, fallbacks, fallback_hits, fallback_dated, strict=True):
        more, _ = _greedy(*evidence, left, _support(len(sample)))
        layouts = [_refine(x, sample) for x in (*chosen, *more)]
        # The rest of the library, for a record of another layout the sample missed.
        sweep = tuple(x for x in LIBRARY if x not in layouts and x.timestamp and not SHAPES[x.timestamp].date_missing)
        plans.append(Plan(tuple(wrappers), tuple(layouts), sweep))
    return plans


def _evidence(samples: list[list[str]]) -> tuple[list[list[AnyLayout]], list[np.ndarray], list[np.ndarray]]:
    """For each sample: the candidate layouts (structured ones learned from it, then the library),
    which lines each reads, and which it reads a date from."""
    structured = [[x for x in pair if x] for pair in zip(learn_json_many(samples), learn_logfmt_many(samples), strict=True)]
    library = _library_hits(samples)
    hits = [
        np.vstack([*(matches(c, sample) for c in found), known])
        for found, sample, known in zip(structured, samples, library, strict=True)
    ]
    candidates = [[*found, *LIBRARY] for found in structured]
    return candidates, hits, _dated_many(candidates, samples, hits)


def _matches_left(candidates: list[list[Layout]], samples: list[list[str]], left: list[np.ndarray]) -> list[np.ndarray]:
    """For each sample, which of the lines still ``left`` each of its candidates (fallbacks, of
    ``FALLBACKS``) reads (a row per candidate; lines not left read as unmatched: the greedy
    choice only counts lines left). The left lines of all the samples are matched together in
    Polars, as ``_library_hits`` does: Python's engine would compile every fallback's pattern."""
    rows = {layout: i for i, layout in enumerate(FALLBACKS)}
    texts = [sample[j] for sample, keep, cands in zip(samples, left, candidates, strict=True) if cands for j in np.flatnonzero(keep)]
    found = _polars_hits(FALLBACKS, texts) if texts else np.zeros((len(FALLBACKS), 0), dtype=bool)
    out, start = [], 0
    for cands, sample, keep in zip(candidates, samples, left, strict=True):
        hits = np.zeros((len(cands), len(sample)), dtype=bool)
        if cands:
            where = np.flatnonzero(keep)
            block = found[:, start : start + len(where)]
            for i, layout in enumerate(cands):
                hits[i, where] = block[rows[layout]]
            start += len(where)
        out.append(hits)
    return out


def _support(size: int) -> int:
    """How many sampled lines a layout must explain to be kept."""
    return 1 if size < 20 else max(2, math.ceil(0.005 * size))


def matches(layout: AnyLayout, sample: pl.Series | Sequence[str]) -> np.ndarray:
    """Which lines of ``sample`` ``layout`` reads. Python's regex engine, with the patterns compiled
    once, is faster than Polars' on a few hundred lines; both read these patterns alike."""
    lines = sample.to_list() if isinstance(sample, pl.Series) else sample
    if isinstance(layout, StructuredLayout):
        if layout.name == "logfmt":
            return np.array([is_logfmt(s) for s in lines], dtype=bool)
        return np.array([loads_object(s) is not None for s in lines], dtype=bool)
    match = compiled(layout.pattern).match
    return np.array([match(s[:SAMPLE_CHARS]) is not None for s in lines], dtype=bool)


def _library_hits(samples: list[list[str]]) -> list[np.ndarray]:
    """Which lines of each sample each layout of the library reads (a row per layout), the lines of
    all the samples matched together in Polars: a folder of small files gives thousands of
    samples, and Python's engine costs a call per line and layout. Each pattern is anchored at
    the line's start, and both engines read them alike (``matches``)."""
    found = _polars_hits(LIBRARY, [line for sample in samples for line in sample])
    out, start = [], 0
    for sample in samples:
        out.append(found[:, start : start + len(sample)])
        start += len(sample)
    return out


def _polars_hits(layouts: Sequence[Layout], texts: list[str]) -> np.ndarray:
    """Which of ``texts`` (cut to ``SAMPLE_CHARS``) each of ``layouts`` reads, a row per layout,
    all matched in one Polars query (each pattern compiled once, not once per line)."""
    lines = pl.Series("raw", texts, dtype=pl.String).str.slice(0, SAMPLE_CHARS)
    return lines.to_frame().select(
        pl.col("raw").str.contains(layout.capturing(())).alias(str(i)) for i, layout in enumerate(layouts)
    ).to_numpy().T.astype(bool)


def _stamps(layout: Layout, lines: list[str], hit: np.ndarray) -> list[tuple[int, str]]:
    """The timestamp text ``layout`` finds in each line it reads, with the line's index."""
    pattern = compiled(layout.capturing(("ts",)))
    out = []
    for j in np.flatnonzero(hit):
        found = pattern.match(lines[j][:SAMPLE_CHARS])
        if found and found.group("ts") is not None:
            out.append((int(j), found.group("ts")))
    return out


def _dated_many(candidates: list[list[AnyLayout]], samples: list[list[str]], hits: list[np.ndarray]) -> list[np.ndarray]:
    """For each sample, which lines each candidate reads a date and time from (and reads at all):
    the timestamp texts of every sample are parsed together, once per shape."""
    found: list[tuple[int, int, int, str, str]] = []  # sample, candidate, line, shape, text
    json_reads: list[tuple[int, int]] = []
    for k, (cands, lines, hit) in enumerate(zip(candidates, samples, hits, strict=True)):
        for i, layout in enumerate(cands):
            if layout.timestamp is None or SHAPES[layout.timestamp].date_missing or not hit[i].any():
                continue
            if isinstance(layout, Layout):
                found += [(k, i, j, layout.timestamp, text) for j, text in _stamps(layout, lines, hit[i])]
            elif layout.name == "json":
                json_reads.append((k, i))
    found += _json_stamps(json_reads, candidates, samples, hits)
    by_shape: dict[str, set[str]] = {}
    for _, _, _, shape, text in found:
        by_shape.setdefault(shape, set()).add(text)
    readable = set()
    for shape, texts in by_shape.items():
        ordered = pl.Series(sorted(texts), dtype=pl.String)
        ok = pl.select(parse_timestamps(pl.lit(ordered), SHAPES[shape], year=2000).is_not_null()).to_series()
        readable |= {(shape, text) for text, good in zip(ordered.to_list(), ok.to_list(), strict=True) if good}
    dated = [np.zeros_like(hit) for hit in hits]
    for k, i, j, shape, text in found:
        dated[k][i, j] = (shape, text) in readable
    return [d & h for d, h in zip(dated, hits, strict=True)]


def _json_stamps(
    reads: list[tuple[int, int]], candidates: list[list[AnyLayout]], samples: list[list[str]], hits: list[np.ndarray]
) -> list[tuple[int, int, int, str, str]]:
    """The times that JSON candidates read in the lines they match, samples with the same time key
    read in one pass."""
    if not reads:
        return []
    layouts = [candidates[k][i] for k, i in reads]
    exprs = [json_exprs(x)["ts"] for x in layouts]  # type: ignore[arg-type]
    texts = read_samples([samples[k] for k, _ in reads], exprs)
    out = []
    for (k, i), layout, read in zip(reads, layouts, texts, strict=True):
        assert read is not None and layout.timestamp is not None
        for j, text in enumerate(read.to_list()):
            if text is not None and hits[k][i, j]:
                out.append((k, i, j, layout.timestamp, text))
    return out


def _peel(sample: list[str]) -> tuple[list[AnyLayout], list[str]]:
    """Wrappers found in the sample, outermost first, and the sample with them peeled."""
    found: list[AnyLayout] = []
    for _ in range(3):
        if all(w.name != DOCKER.name for w in found) and is_docker_json(sample[:200]):
            docker = docker_layout(sample[:200])
            inner = pl.DataFrame({"raw": sample}).select(json_exprs(docker)["message"]).to_series().to_list()
            found.append(docker)
            sample = [own if own is not None else line for own, line in zip(inner, sample, strict=True)]
            continue
        for wrapper in WRAPPERS:
            if wrapper in found:
                continue
            hit = matches(wrapper, sample)
            if int(hit.sum()) < _support(len(sample)):
                continue
            message = compiled(wrapper.capturing(("message",))).search
            inner = [message(line) if h else None for line, h in zip(sample, hit, strict=True)]
            if wrapper.name == "kubectl-timestamps" and not _has_own_header([m.group(1) for m in inner if m]):
                continue
            found.append(wrapper)
            sample = [m.group(1) if h and m else line for line, h, m in zip(sample, hit, inner, strict=True)]
            break
        else:
            return found, sample
    return found, sample


def _has_own_header(inner: list[str]) -> bool:
    """Most lines after a bare RFC 3339 time have a dated header of their own, or are JSON:
    ``kubectl logs --timestamps`` in front of an application's line."""
    if not inner:
        return False
    own = np.array([loads_object(s) is not None for s in inner], dtype=bool)
    for layout in LIBRARY:
        if layout.timestamp and not SHAPES[layout.timestamp].date_missing:
            own |= matches(layout, inner)
    return int(own.sum()) >= 0.5 * len(inner)


def _cover(
    sample: list[str], candidates: list[AnyLayout], hits: np.ndarray, dated: np.ndarray
) -> tuple[list[AnyLayout], np.ndarray]:
    """Layouts that together explain the sample, greedily, and the lines they leave: the library
    first (``candidates``, with the lines each reads, ``hits``, and reads a date from, ``dated``),
    then a layout learned for what it leaves; each kept only with enough support. Loose
    fallbacks come after (``choose_many``)."""
    support = _support(len(sample))
    chosen, left = _greedy(candidates, hits, dated, np.ones(len(sample), dtype=bool), support)
    for _ in range(3):  # an input may mix layouts that no library knows: learn one, then the next
        if left.sum() < max(support, 2):
            break
        learned = infer.learn([line for line, keep in zip(sample, left, strict=True) if keep])
        hit = matches(learned, sample) & left if learned is not None else left & False
        if learned is None or hit.sum() < support:
            break
        learned_count = sum(x.name.startswith("learned") for x in chosen)
        chosen.append(replace(learned, name=f"learned-{learned_count + 1}") if learned_count else learned)
        left &= ~hit
    return chosen, left


def _refine(layout: AnyLayout, sample: list[str]) -> AnyLayout:
    """The layout without the optional fields most of its lines in the sample lack: in a file
    written ``<time> <level> <message>``, a message that starts ``[x]`` or ``a.b: `` keeps it."""
    if not isinstance(layout, Layout) or not layout.optional:
        return layout
    pattern = compiled(layout.pattern)
    found = [m for m in (pattern.match(s[:SAMPLE_CHARS]) for s in sample) if m]
    rare = set()
    for _, field in layout.optional:
        groups = layout.field_groups(field)
        present = sum(any(m.group(g) for g in groups) for m in found)
        if present < 0.5 * len(found):
            rare.add(field)
    return layout.without(rare) if rare else layout


def _greedy(
    candidates: list[AnyLayout], hits: np.ndarray, dated: np.ndarray, left: np.ndarray, support: int
) -> tuple[list[AnyLayout], np.ndarray]:
    """Pick the candidate that reads most of the lines still left (a line whose time it reads
    counts twice), remove those lines, and repeat while one reads at least ``support`` (a
    layout without a timestamp, half the sample: ``ERROR: ...`` at the start of some
    messages does not make a header). ``hits`` and ``dated``: the lines each candidate reads,
    and reads a date from."""
    if not candidates or not left.any():
        return [], left
    hits, dated = hits.copy(), dated.copy()
    chosen: list[AnyLayout] = []
    left = left.copy()
    while left.any():
        score = (hits & left).sum(axis=1) + (dated & left).sum(axis=1)
        best = int(np.argmax(score))  # the first of equals: the library's order, most specific first
        needed = support if candidates[best].timestamp else max(support, 0.5 * len(left))
        if (hits[best] & left).sum() < needed:
            if not candidates[best].timestamp and (hits[best] & left).sum() >= support:
                hits[best] = False  # too few for an undated layout; a dated one may still qualify
                dated[best] = False
                continue
            break
        chosen.append(candidates[best])
        left &= ~hits[best]
        hits[best] = False
        dated[best] = False
    return chosen, left
