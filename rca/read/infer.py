"""Learn the header layout of lines no layout in the library explains, from a sample of them.

As lnav and the log parsers that learn their formats do, in three steps, each on the sample only:

1. the timestamp: the shape found in most lines, at the same place (after the same number of
   fields), wherever it sits in the first fields, bracketed or not;
2. the fields after it: split by the delimiter that stays constant across lines (``|``, tabs,
   `` - ``, ``, ``, ``;``) or, failing one, by spaces with brackets kept whole;
3. where the message starts: after the last field that is a header in most lines (a level word,
   a number, a bracketed value, a fixed-width column, a field ended by ``:`` or followed by a
   separator such as ``-``), that is, where the values become free text.

The result is a Loghub-style spec (``[<Timestamp>] <Component> - <Content>``), so what was
learned can be shown, saved and given back with ``--log-format``; ``rca.read.layouts`` turns it
into a regex. Nothing here runs per line of the input.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from rca.read.layouts import SAMPLE_CHARS, Layout, compiled, layout_from_spec
from rca.read.timestamps import SHAPES, Shape, parse_timestamps, python_regex
from rca.read.words import LEVEL_WORD

MAX_FIELDS = 7  # a header longer than this is not a header
_SEARCH_CHARS = 96  # the timestamp must start within this many characters of the line's start
_DELIMITERS = (" | ", "|", "\t", " - ", ", ", ";")
_SEPARATORS = {"-", "--", "---", "|", ":", "::", ">", ">>", "->", "=>", "~"}
_LEVEL = re.compile(rf"\[?{LEVEL_WORD}\]?:?")
_LEVEL_LETTER = re.compile(r"[VDIWEFAT]")
_NUMBER = re.compile(r"\d+")
_BRACKETED = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]|\([^)]*\)|<[^>]*>|\{[^}]*\}")
_PROGRAM = re.compile(r"[\w./-]+\[\d+\]:?")
_TOKEN = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]|\([^)]*\)|\{[^}]*\}|\S+")
_DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:[.$][\w$-]+){2,}(?:[#:@]\d+)?:?")


@dataclass(frozen=True, slots=True)
class _Stamp:
    """Where one shape's timestamps sit in the sample: per line, (start, end) or None."""

    shape: Shape
    spans: list[tuple[int, int] | None]
    fields_before: int


def learn(sample: list[str]) -> Layout | None:
    """A layout learned from ``sample`` (lines of one unknown layout, maybe with continuation lines),
    or None when no timestamp is found in enough of them to anchor a header."""
    lines = [line[:SAMPLE_CHARS].rstrip() for line in sample if line.strip()]
    if len(lines) < 2:
        return None
    stamp = _find_timestamp(lines)
    if stamp is None:
        return None
    spec = _spec(lines, stamp)
    if spec is None:
        return None
    layout = layout_from_spec(
        spec, pl.Series(lines, dtype=pl.String), name="learned", tier=2, strict=True, shape_name=stamp.shape.name
    )
    match = compiled(layout.pattern).match
    matched = sum(match(line) is not None for line in lines)
    return layout if matched >= 0.5 * sum(s is not None for s in stamp.spans) else None


def _find_timestamp(lines: list[str]) -> _Stamp | None:
    """The shape found in most lines at the same field position: a date and time if enough lines
    have one, else epoch numbers, else a bare time of day."""
    shapes = [s for s in SHAPES.values() if s.name != "klog"]
    tiers = (
        [s for s in shapes if not (s.date_missing or s.epoch)],
        [s for s in shapes if s.epoch],
        [s for s in shapes if s.date_missing],
    )
    for tier in tiers:
        best: tuple[int, _Stamp] | None = None
        for shape in tier:  # ordered most specific first: the first of equals wins
            found = _spans(lines, shape)
            if found is not None and found[1] >= max(2, 0.3 * len(lines)) and (best is None or found[1] > best[0]):
                best = (found[1], found[0])
        if best is not None:
            return best[1]
    return None


def _spans(lines: list[str], shape: Shape) -> tuple[_Stamp, int] | None:
    regex = re.compile(rf"(?<![\w.:+-])(?:{python_regex(shape.regex)})(?![\w:])")
    raw: list[tuple[int, int] | None] = []
    texts, positions = [], []
    for line in lines:
        match = regex.search(line, 0, _SEARCH_CHARS + 40)
        if match is None or match.start() > _SEARCH_CHARS:
            raw.append(None)
            continue
        raw.append(match.span())
        texts.append(match.group(0))
        positions.append(len(_TOKEN.findall(line[: match.start()].rstrip("[(<"))))
    if not texts:
        return None
    parsed = pl.select(parse_timestamps(pl.lit(pl.Series(texts, dtype=pl.String)), shape, year=2000)).to_series()
    ok = iter(parsed.is_not_null().to_list() if not shape.date_missing else [True] * len(texts))
    position = Counter(positions).most_common(1)[0][0]
    spans: list[tuple[int, int] | None] = []
    pos_iter = iter(positions)
    for span in raw:
        if span is None:
            spans.append(None)
            continue
        good, at = next(ok), next(pos_iter)
        spans.append(span if good and at == position else None)
    count = sum(s is not None for s in spans)
    return (_Stamp(shape, spans, position), count) if count else None


def _spec(lines: list[str], stamp: _Stamp) -> str | None:
    heads, rests = [], []
    for line, span in zip(lines, stamp.spans, strict=True):
        if span is not None:
            heads.append(line[: span[0]])
            rests.append(line[span[1] :])
    opener = _common_opener(heads)
    closer = {"[": "]", "(": ")", "<": ">", "": ""}[opener]
    if closer and sum(r.startswith(closer) for r in rests) < 0.9 * len(rests):
        opener, closer = "", ""
    if closer:
        heads = [h[:-1] for h in heads]
        rests = [r[1:] for r in rests]
    before = _prefix_spec(heads)
    if before is None:
        return None
    after = _rest_spec(rests)
    ts = f"{_escape(opener)}<Timestamp>{_escape(closer)}"
    return f"{before}{ts}{after}"


def _common_opener(heads: list[str]) -> str:
    ends = Counter(h[-1:] for h in heads)
    char, count = ends.most_common(1)[0]
    return char if char in "[(<" and count >= 0.9 * len(heads) else ""


def _escape(text: str) -> str:
    return re.sub(r"([<>\\])", r"\\\1", text)


def _prefix_spec(heads: list[str]) -> str | None:
    """The fields before the timestamp (a priority, a level, a host), as spec text."""
    tokens = [_TOKEN.findall(h) for h in heads]
    count = Counter(len(t) for t in tokens).most_common(1)[0][0]
    if count == 0:
        return ""
    columns = [[t[j] for t in tokens if len(t) == count] for j in range(count)]
    names = _Names()
    parts = [names.of(column, last_word=False) for column in columns]
    return " ".join(parts) + " "


_SPLIT = {"|": r"\s*\|\s*", "\t": r"\t", " | ": r"\s+\|\s+", " - ": r"\s+-\s+", ", ": r",\s+", ";": r"\s*;\s*"}


def _rest_spec(rests: list[str]) -> str:
    """The fields between the timestamp and the message, and the message, as spec text."""
    for delimiter in _DELIMITERS:
        starts = sum(r.startswith(delimiter) or r.startswith(" " + delimiter.strip()) for r in rests)
        if delimiter.strip() and starts >= 0.9 * len(rests):
            spec = _delimited_spec(rests, delimiter)
            if spec is not None:
                return spec
            # Only the first field is set off so (``<time>, <level> ...``): spaces separate the rest.
            after = [re.sub(r"^" + _SPLIT[delimiter], "", r) for r in rests]
            return _delimiter_text(delimiter).rstrip() + _spaced_spec(after)
    return _spaced_spec(rests)


def _delimited_spec(rests: list[str], delimiter: str) -> str | None:
    """``|``-, tab-, `` - ``-separated fields: header fields until one holds free text; None when
    not even the first is a header field."""
    split = re.compile(_SPLIT[delimiter])
    parts = [split.split(r)[1:] for r in rests]
    names = _Names()
    spec, fields = "", 0
    for j in range(MAX_FIELDS):
        rows = [p for p in parts if len(p) > j + 1]
        if len(rows) < 0.8 * len(parts):
            break
        column = [p[j].strip() for p in rows]
        spaced = sum(" " in value for value in column) / len(column)
        distinct = len(set(column)) / len(column)
        if spaced > 0.1:
            inner = _part_spec(column, names)
            if inner is None:
                break
            spec += _delimiter_text(delimiter) + inner
            fields += 1
            continue
        if distinct > 0.5 and _class_share(column, _strong_class) < 0.9:
            break
        spec += _delimiter_text(delimiter) + names.of(column, last_word=True)
        fields += 1
    if not spec:
        return None
    # What follows the last delimiter may still open with header fields (loguru's ``name:line - ``).
    rest = [delimiter.join(p[fields:]) for p in parts if len(p) > fields]
    return spec + _delimiter_text(delimiter) + _spaced_spec(rest, names).lstrip(" ")


def _delimiter_text(delimiter: str) -> str:
    return {"\t": "\t", "|": "|", " | ": " | ", ", ": ", ", ";": ";"}.get(delimiter, delimiter)


def _part_spec(column: list[str], names: _Names) -> str | None:
    """A delimited field that holds several header fields (``INFO  [main]``), as spec text; None
    when its words are not all header-shaped."""
    tokens = [_TOKEN.findall(value) for value in column]
    count, often = Counter(len(t) for t in tokens).most_common(1)[0]
    if often < 0.9 * len(tokens) or count > 3:
        return None
    columns = [[t[k] for t in tokens if len(t) == count] for k in range(count)]
    if any(_class_share(c, _strong_class) < 0.9 or _kind(c) == "word" for c in columns):
        return None
    return " ".join(names.of(c, last_word=True) for c in columns)


def _spaced_spec(rests: list[str], names: _Names | None = None) -> str:
    """Space-separated fields: the header ends after its last terminator (a field ending in
    ``:``, a separator such as ``-``), its level, or its run of header fields: fields of one
    shape (numbers, brackets, dotted names), padded to a fixed width, or varying independently
    of the message that follows (a host, a thread, a component)."""
    normal = [re.sub(r"\s+:(?=\s|$)", ":", r[:400]) for r in rests]
    spans = [[(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(r)][: MAX_FIELDS + 1] for r in normal]
    tokenized = [[t for t, _, _ in row] for row in spans]
    ends = Counter(_terminator(t) for t in tokenized)
    end, count = ends.most_common(1)[0]
    header = end + 1 if end is not None and count >= 0.7 * len(rests) else 0
    rows = [i for i, t in enumerate(tokenized) if _terminator(t) == end] if header else list(range(len(rests)))
    columns = [[tokenized[i][j] for i in rows if len(tokenized[i]) > j] for j in range(MAX_FIELDS)]
    for j, column in enumerate(columns):
        if len(column) >= 0.8 * len(rows) and _class_share(column, _is_level) >= 0.8:
            header = max(header, j + 1)
    strong = 0
    for j, column in enumerate(columns):
        if len(column) < 0.9 * len(rows) or _class_share(column, _strong_class) < 0.9:
            break
        words = _class_share(column, _is_word) >= 0.5
        if words and not _fixed_width([spans[i] for i in rows], j) and not _independent([tokenized[i] for i in rows], j):
            break
        strong = j + 1
    # A terminator ends the header: fields after it belong to the message, however they vary.
    terminated = end is not None and count >= 0.7 * len(rests)
    header = min(max(header, min(strong, end + 1) if terminated else strong), MAX_FIELDS)
    kinds = [_kind([tokenized[i][j] for i in rows if len(tokenized[i]) > j]) for j in range(header)]
    names = names or _Names()
    spec = ""
    for j in range(header):
        column = [tokenized[i][j] for i in rows if len(tokenized[i]) > j]
        before_separator = j + 1 < header and kinds[j + 1] == "separator"
        spec += " " + names.of(column, last_word=before_separator or j == header - 1)
    return spec + " <Content>"


INDEPENDENCE = 0.5  # a header field keeps at least this share of its entropy given the next word


def _entropy(values: list[str]) -> float:
    n = len(values)
    return -sum(c / n * math.log(c / n) for c in Counter(values).values())


def _independent(rows: list[list[str]], j: int) -> bool:
    """Field ``j`` varies independently of the word after it, as a host, thread or component
    does and a message's first word does not (that word mostly decides the next): the entropy
    of field ``j`` given the next word (digits masked) keeps ``INDEPENDENCE`` of its own."""
    pairs = [(t[j], re.sub(r"\d+", "0", t[j + 1])) for t in rows if len(t) > j + 1]
    values = [x for x, _ in pairs]
    if len(pairs) < 20 or not 2 <= len(set(values)) <= 0.5 * len(pairs):
        return False
    groups: dict[str, list[str]] = {}
    for x, y in pairs:
        groups.setdefault(y, []).append(x)
    given = sum(len(g) / len(pairs) * _entropy(g) for g in groups.values())
    return given >= INDEPENDENCE * _entropy(values)


def _terminator(tokens: list[str]) -> int | None:
    """The index of the first token that ends a header: a separator, or a field ending in ``:``."""
    for j, token in enumerate(tokens[:MAX_FIELDS]):
        if token in _SEPARATORS or (token.endswith(":") and len(token) > 1 and "://" not in token):
            return j
    return None


def _is_level(token: str) -> bool:
    return bool(_LEVEL.fullmatch(token) or _LEVEL_LETTER.fullmatch(token))


def _is_word(token: str) -> bool:
    return _kind([token]) in ("word", "program")


def _strong_class(token: str) -> str:
    """A field's shape: header fields keep one, and a message's first word seldom has one."""
    if _is_level(token):
        return "level"
    if _NUMBER.fullmatch(token):
        return "number"
    if _BRACKETED.fullmatch(token):
        return "bracket"
    if token in _SEPARATORS:
        return "separator"
    if _PROGRAM.fullmatch(token):
        return "program"
    if _DOTTED.fullmatch(token):
        return "dotted"
    return "word"


def _kind(column: list[str]) -> str:
    return Counter(_strong_class(t) for t in column).most_common(1)[0][0] if column else "word"


def _class_share(column: list[str], classify) -> float:  # type: ignore[no-untyped-def]
    if not column:
        return 0.0
    top, count = Counter(classify(token) for token in column).most_common(1)[0]
    return count / len(column) if top not in (None, False) else 0.0


def _fixed_width(rows: list[list[tuple[str, int, int]]], j: int) -> bool:
    """Field ``j`` is padded to a fixed width: the next field starts at the same column in most
    lines, and some values are followed by more than one space."""
    nexts = [row[j + 1][1] for row in rows if len(row) > j + 1]
    padded = sum(row[j + 1][1] - row[j][2] > 1 for row in rows if len(row) > j + 1)
    return len(nexts) >= 5 and padded > 0 and Counter(nexts).most_common(1)[0][1] >= 0.9 * len(nexts)


class _Names:
    """Placeholder names for header fields, by their shape; each field name is used once."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def _name(self, wanted: str) -> str:
        if wanted in self.used:
            return "<Field>"
        self.used.add(wanted)
        return f"<{wanted}>"

    def of(self, column: list[str], *, last_word: bool) -> str:
        """The spec text of one header field: its placeholder and the punctuation around it."""
        kind = _kind(column)
        sample = Counter(column).most_common(1)[0][0]
        colon = ":" if sum(t.endswith(":") for t in column) >= 0.7 * len(column) else ""
        if kind == "separator" and sum(t == sample for t in column) >= 0.98 * len(column):
            return _escape(sample)
        if kind == "separator":
            return self._name("Field")
        if kind == "level":
            bracketed = sum(t.startswith("[") for t in column) >= 0.7 * len(column)
            return f"[{self._name('Level')}]{colon}" if bracketed else f"{self._name('Level')}{colon}"
        if kind == "number":
            return self._name("Pid" if "<Pid>" not in self.used else "Tid")
        if kind == "bracket":
            opener = sample[0]
            closer = {"[": "]", "(": ")", "{": "}", "<": ">"}[opener]
            return f"{_escape(opener)}{self._name('Thread')}{_escape(closer)}{colon}"
        if kind == "program":
            return f"{self._name('Program')}{colon}"
        if kind == "dotted":
            return self._name("Component") + colon
        if last_word or colon or "<Level>" in self.used:
            return self._name("Component") + colon
        return self._name("Host") + colon
