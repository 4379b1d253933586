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
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from rca.errors import UsageError
from rca.read import infer
from rca.read.layouts import FALLBACKS, LIBRARY, SAMPLE_CHARS, WRAPPERS, Layout, compiled, layout_from_spec
from rca.read.structured import (
    DOCKER,
    StructuredLayout,
    is_docker_json,
    is_logfmt,
    json_exprs,
    learn_json,
    learn_logfmt,
    loads_object,
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
    sample = sample.filter(sample.str.len_chars() > 0)
    if spec is not None:
        layout = layout_from_spec(spec, sample, timestamp_format=timestamp_format)
        if sample.len() and not matches(layout, sample).any():
            raise UsageError(f"--log-format {spec!r} matches none of the first lines, e.g. {sample[0][:120]!r}")
        return Plan((), (layout,))
    wrappers, sample = _peel(sample)
    layouts, notes = _cover(sample)
    # The rest of the library, for a record of another layout the sample missed.
    sweep = tuple(x for x in LIBRARY if x not in layouts and x.timestamp and not SHAPES[x.timestamp].date_missing)
    return Plan(tuple(wrappers), tuple(layouts), sweep, tuple(notes))


def _support(size: int) -> int:
    """How many sampled lines a layout must explain to be kept."""
    return 1 if size < 20 else max(2, math.ceil(0.005 * size))


def matches(layout: AnyLayout, sample: pl.Series) -> np.ndarray:
    """Which lines of ``sample`` ``layout`` reads. Python's regex engine, with the patterns compiled
    once, is faster than Polars' on a few hundred lines; both read these patterns alike."""
    lines = sample.to_list()
    if isinstance(layout, StructuredLayout):
        if layout.name == "logfmt":
            return np.array([is_logfmt(s) for s in lines], dtype=bool)
        return np.array([loads_object(s) is not None for s in lines], dtype=bool)
    match = compiled(layout.pattern).match
    return np.array([match(s[:SAMPLE_CHARS]) is not None for s in lines], dtype=bool)


def _timestamps(layout: AnyLayout, lines: list[str], hit: np.ndarray) -> list[str | None]:
    """The timestamp text ``layout`` finds in each line it reads (None elsewhere)."""
    if isinstance(layout, StructuredLayout):
        if layout.name != "json":
            return [None] * len(lines)
        text = pl.DataFrame({"raw": lines}).select(json_exprs(layout)["ts"]).to_series().to_list()
        return [t if h else None for t, h in zip(text, hit, strict=True)]
    pattern = compiled(layout.capturing(("ts",)))
    out: list[str | None] = []
    for line, h in zip(lines, hit, strict=True):
        found = pattern.match(line[:SAMPLE_CHARS]) if h else None
        out.append(found.group("ts") if found else None)
    return out


def _dated(candidates: list[AnyLayout], sample: pl.Series, hits: np.ndarray) -> np.ndarray:
    """Which lines each candidate reads a date and time from: the texts of each shape parsed at once."""
    lines = sample.to_list()
    dated = np.zeros_like(hits)
    by_shape: dict[str, list[tuple[int, int, str]]] = {}
    for i, layout in enumerate(candidates):
        if layout.timestamp is None or SHAPES[layout.timestamp].date_missing or not hits[i].any():
            continue
        for j, text in enumerate(_timestamps(layout, lines, hits[i])):
            if text is not None:
                by_shape.setdefault(layout.timestamp, []).append((i, j, text))
    for shape, found in by_shape.items():
        texts = pl.Series([t for _, _, t in found], dtype=pl.String)
        ok = pl.select(parse_timestamps(pl.lit(texts), SHAPES[shape], year=2000).is_not_null()).to_series().to_list()
        for (i, j, _), good in zip(found, ok, strict=True):
            dated[i, j] = good
    return dated


def _peel(sample: pl.Series) -> tuple[list[AnyLayout], pl.Series]:
    """Wrappers found in the sample, outermost first, and the sample with them peeled."""
    found: list[AnyLayout] = []
    for _ in range(3):
        lines = sample.to_list()
        if DOCKER not in found and is_docker_json(lines[:200]):
            inner = pl.DataFrame({"raw": sample}).select(json_exprs(DOCKER)["message"]).to_series()
            found.append(DOCKER)
            sample = pl.select(pl.coalesce(pl.lit(inner), pl.lit(sample))).to_series()
            continue
        for wrapper in WRAPPERS:
            if wrapper in found:
                continue
            hit = pl.Series(matches(wrapper, sample))
            if int(hit.sum()) < _support(sample.len()):
                continue
            inner = sample.str.extract(wrapper.capturing(("message",)), 1)
            if wrapper.name == "kubectl-timestamps" and not _has_own_header(inner.filter(hit)):
                continue
            found.append(wrapper)
            sample = pl.select(pl.when(pl.lit(hit)).then(pl.lit(inner)).otherwise(pl.lit(sample))).to_series()
            break
        else:
            return found, sample
    return found, sample


def _has_own_header(inner: pl.Series) -> bool:
    """Most lines after a bare RFC 3339 time have a dated header of their own, or are JSON:
    ``kubectl logs --timestamps`` in front of an application's line."""
    if inner.len() == 0:
        return False
    own = np.array([loads_object(s) is not None for s in inner.to_list()], dtype=bool)
    for layout in LIBRARY:
        if layout.timestamp and not SHAPES[layout.timestamp].date_missing:
            own |= matches(layout, inner)
    return int(own.sum()) >= 0.5 * inner.len()


def _cover(sample: pl.Series) -> tuple[list[AnyLayout], list[str]]:
    """Layouts that together explain the sample, greedily: the library first, then a learned
    layout for what it leaves, then loose fallbacks; each kept only with enough support."""
    support = _support(sample.len())
    lines = sample.to_list()
    structured = [x for x in (learn_json(lines), learn_logfmt(lines)) if x]
    chosen, left = _greedy([*structured, *LIBRARY], sample, np.ones(sample.len(), dtype=bool), support)
    notes: list[str] = []
    for _ in range(3):  # an input may mix layouts that no library knows: learn one, then the next
        if left.sum() < max(support, 2):
            break
        learned = infer.learn(sample.filter(pl.Series(left)).to_list())
        hit = matches(learned, sample) & left if learned is not None else left & False
        if learned is None or hit.sum() < support:
            break
        learned_count = sum(x.name.startswith("learned") for x in chosen)
        chosen.append(replace(learned, name=f"learned-{learned_count + 1}") if learned_count else learned)
        left &= ~hit
    dated = any(x.timestamp for x in chosen)
    fallbacks = [x for x in FALLBACKS if x.timestamp or not dated]
    more, left = _greedy(fallbacks, sample, left, support)
    chosen += more
    return [_refine(x, sample) for x in chosen], notes


def _refine(layout: AnyLayout, sample: pl.Series) -> AnyLayout:
    """The layout without the optional fields most of its lines in the sample lack: in a file
    written ``<time> <level> <message>``, a message that starts ``[x]`` or ``a.b: `` keeps it."""
    if not isinstance(layout, Layout) or not layout.optional:
        return layout
    pattern = compiled(layout.pattern)
    found = [m for m in (pattern.match(s[:SAMPLE_CHARS]) for s in sample.to_list()) if m]
    rare = set()
    for _, field in layout.optional:
        groups = layout.field_groups(field)
        present = sum(any(m.group(g) for g in groups) for m in found)
        if present < 0.5 * len(found):
            rare.add(field)
    return layout.without(rare) if rare else layout


def _greedy(
    candidates: list[AnyLayout], sample: pl.Series, left: np.ndarray, support: int
) -> tuple[list[AnyLayout], np.ndarray]:
    """Pick the candidate that reads most of the lines still left (a line whose time it reads
    counts twice), remove those lines, and repeat while one reads at least ``support`` (a
    layout without a timestamp, half the sample: ``ERROR: ...`` at the start of some
    messages does not make a header)."""
    if not candidates or not left.any():
        return [], left
    hits = np.stack([matches(c, sample) for c in candidates])
    dated = _dated(candidates, sample, hits) & hits
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
