"""Read each line's header fields with the layouts a plan chose, in Polars.

Wrappers are peeled first (their time and service kept as ``outer_*``); then each line takes the
first layout of the plan that matches it, each layout run only over the lines still unread, so
a file in one layout costs one regex pass. A line no layout reads starts no record: it continues
the record above (``rca.read.records``).

Out comes one row per line: ``line``, ``raw`` (kept only for lines without a header of their
own, once levels and services are read), ``layout`` and ``outer`` (indexes into ``plan.all``), and the text of ``ts``, ``level``,
``service``, ``component``, ``message``, ``trace_id`` and their ``outer_*`` twins; ``is_start``;
``attributes`` (a structured line's whole text, its other fields included).
"""

from __future__ import annotations

import re

import polars as pl

from rca.read.choose import AnyLayout, Plan
from rca.read.structured import StructuredLayout, json_exprs, logfmt_exprs
from rca.read.words import LEVEL_TREE, LEVEL_WORD

TEXT_FIELDS = ("ts", "level", "service", "component", "message", "trace")
OUTER = tuple(f"outer_{name}" for name in TEXT_FIELDS if name != "message")
# Lines that may start a record of a layout the sample missed: not indented, not a stack frame.
_MAY_START = r"^(?:[\[(<]?\d|[A-Z][a-z]{2,8},? |[A-Z]\d{4} |\[?[A-Za-z]+\]? )"
_REST = "(?P<message>.*)$"  # a message that is the rest of the line


def _none() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def header_pattern(pattern: str) -> str | None:
    r"""``pattern`` without its message, the header captured whole as ``header``, for a pattern
    whose message is the rest of the line (``^HEAD(?P<message>.*)$``); None for other patterns.

    On a line without a newline, ``.*$`` matches whatever follows any way of matching HEAD, so the
    engine takes the same (first) way with the message as without it, and its groups are the
    same: the message is the text after the header. Captures cost time per character of the
    span they run over, and a header is a fraction of its line.

    >>> header_pattern(r"^(?P<ts>\d+) (?P<message>.*)$")
    '^(?P<header>(?P<ts>\\d+) )'
    >>> header_pattern(r"^a|b(?P<message>.*)$") is None
    True
    """
    if not pattern.startswith("^") or not pattern.endswith(_REST):
        return None
    head = pattern[1 : -len(_REST)]
    if "(?P<message" in head or not _whole(head):
        return None
    return f"^(?P<header>{head})"


# What may follow a level word so that no other word could have been read there: a character no
# word goes on with, required (not followed by ``?``, ``*`` or ``{0``).
_AFTER_LEVEL = re.compile(r"\)(?: |:|/|-|,|\\t|\\\]|\\\||\[\\t\\n\\x0b\\x0c\\r \])(?![?*]|\{0)")


def level_tree(pattern: str) -> str:
    r"""``pattern`` with its level words written as a tree (``LEVEL_TREE``) wherever what follows
    them is a character no level word goes on with (`` ``, ``:``, ``]``, a tab, ...): there, at most
    one word can be read before it, whatever order the words are tried in, so the pattern reads
    every line as before; elsewhere (``]?``, an optional colon) it is left as it is.

    >>> level_tree(f"^(?P<level>{LEVEL_WORD}) (?P<message>.*)$") == f"^(?P<level>{LEVEL_TREE}) (?P<message>.*)$"
    True
    >>> level_tree(rf"^(?P<level>{LEVEL_WORD})\]?(?P<message>.*)$") == rf"^(?P<level>{LEVEL_WORD})\]?(?P<message>.*)$"
    True
    """
    parts = pattern.split(LEVEL_WORD)
    out = [parts[0]]
    for part in parts[1:]:
        out += [LEVEL_TREE if _AFTER_LEVEL.match(part) else LEVEL_WORD, part]
    return "".join(out)


def _whole(pattern: str) -> bool:
    """Whether ``pattern`` stands whole before what follows it: its groups closed, no ``|`` outside them."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]" or pattern[i - 1] == "[" or pattern[i - 2 : i] == "[^"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
            if depth < 0:
                return False
        elif char == "|" and depth == 0:
            return False
        i += 1
    return depth == 0 and not in_class


def layout_exprs(layout: AnyLayout, *, newlines: bool = False) -> dict[str, pl.Expr]:
    """Expressions giving the text of each field of ``layout`` from ``raw`` (and, for structured
    layouts, ``matched``). ``newlines``: some line holds one (a wrapped message, a CSV cell), so
    the whole pattern is run, not its header alone."""
    if isinstance(layout, StructuredLayout):
        exprs = logfmt_exprs(layout) if layout.name == "logfmt" else json_exprs(layout)
        return {**exprs, "component": exprs["component"].cast(pl.String)}
    head = None if newlines else header_pattern(layout.capturing())
    header = pl.col("raw").str.extract_groups(level_tree(head or layout.capturing()))

    def field(name: str) -> pl.Expr:
        groups = layout.field_groups(name)
        if not groups:
            return _none()
        values = [header.struct.field(g) for g in groups]
        return values[0] if len(values) == 1 else pl.coalesce(values)

    out = {name: field(name) for name in ("ts", "level", "service", "component", "message")}
    if head is not None:
        out["message"] = pl.col("raw").str.slice(header.struct.field("header").str.len_chars())
    if layout.field_groups("pri"):
        # A syslog priority is facility * 8 + severity; severities 0..7 are level words of their own.
        severity = (field("pri").cast(pl.Int32, strict=False) % 8).cast(pl.String)
        out["level"] = pl.coalesce(out["level"], severity)
    out["component"] = out["component"].str.strip_chars()
    out["trace"] = _none()
    return out


def _read(frame: pl.DataFrame, layout: AnyLayout) -> pl.DataFrame:
    """``frame`` with its lines read by ``layout``: the field texts, and ``matched``."""
    exprs = layout_exprs(layout, newlines=bool(frame.get_column("raw").str.contains("\n", literal=True).any()))
    # A regex layout matched where its message group did: read from the extracted message (in a
    # second step), so the regex runs once per line. Only the new columns come out of the plan;
    # the streaming engine runs the regex on all cores.
    matched = exprs.pop("matched", None)
    first = {**exprs, "matched": matched} if matched is not None else exprs
    got = (
        frame.lazy()
        .select(**first)
        .with_columns(
            message=pl.col("message").str.strip_chars(),
            matched=pl.col("matched") if matched is not None else pl.col("message").is_not_null(),
        )
        .collect(engine="streaming")
    )
    return frame.hstack(got)


def peel(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Peel the plan's wrappers: ``raw`` becomes the application's line, ``outer_*`` what the
    wrapper said, ``outer`` which wrapper gave the time (or the first that matched)."""
    if "outer" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int16).alias("outer"), *(_none().alias(c) for c in OUTER))
    for index, wrapper in enumerate(plan.wrappers):
        if wrapper.name == "csv":
            continue  # the rows of a CSV export arrive peeled (rca.read.structured.csv_export)
        got = _read(frame.select("raw"), wrapper)
        take = got.get_column("matched")
        if not take.any():
            continue
        frame = frame.with_columns(
            outer=pl.when(pl.lit(take) & (pl.col("outer").is_null() | pl.col("outer_ts").is_null() & got["ts"].is_not_null()))
            .then(pl.lit(index, dtype=pl.Int16))
            .otherwise(pl.col("outer")),
            **{f"outer_{n}": pl.coalesce(pl.col(f"outer_{n}"), pl.when(pl.lit(take)).then(got[n])) for n in TEXT_FIELDS if n != "message"},
            raw=pl.when(pl.lit(take)).then(got["message"]).otherwise(pl.col("raw")),
        )
    return frame


def extract(frame: pl.DataFrame, plan: Plan, *, join_wrapped: bool = True) -> pl.DataFrame:
    """Every line's header fields (see the module docstring). ``frame`` has ``line`` and ``raw``
    (and ``outer_*`` when a CSV export already gave them). ``join_wrapped``: a wrapped line whose
    own text has no header continues the record above (a stack trace printed through the
    wrapper); when False (rows of a CSV export) each stays a record of its own.

    The first layout reads every line; each next one reads only the lines still unread, and
    what it reads is written into those rows: a file in one layout, stack traces and all, costs
    one pass and no reordering.
    """
    frame = peel(frame, plan)
    layouts = (*plan.layouts, *plan.sweep)
    first = len(plan.wrappers)
    if not layouts or frame.height == 0:
        return _starts(frame.with_columns(pl.lit(None, dtype=pl.Int16).alias("layout")), plan, join_wrapped=join_wrapped)
    frame = _read(frame, layouts[0]).with_columns(
        layout=pl.when(pl.col("matched")).then(pl.lit(first, dtype=pl.Int16)).otherwise(None)
    )
    unread = (~frame.get_column("matched")).arg_true()
    for offset, layout in enumerate(layouts[1:], 1):
        if unread.len() == 0:
            break
        lines = frame.select("raw").gather(unread)
        if offset == len(plan.layouts):  # the sweep starts: keep only lines some layout could read
            may = _may_start(lines, plan)
            unread, lines = unread.filter(may), lines.filter(may)
            if unread.len() == 0:
                break
        got = _read(lines, layout)
        hit = got.get_column("matched")
        if not hit.any():
            continue
        rows = unread.filter(hit)
        got = got.filter(hit).with_columns(layout=pl.lit(first + offset, dtype=pl.Int16))
        frame = frame.with_columns(
            frame.get_column(name).scatter(rows, got.get_column(name)) for name in (*TEXT_FIELDS, "matched", "layout")
        )
        unread = unread.filter(~hit)
    return _starts(frame, plan, join_wrapped=join_wrapped)


def _may_start(lines: pl.DataFrame, plan: Plan) -> pl.Series:
    """Which lines a layout of the sweep may read (not stack frames or indented text): a cheap
    test, then all the sweep's patterns at once, without captures."""
    raw = pl.col("raw")
    every = "|".join(f"(?:{layout.capturing(())})" for layout in plan.sweep)
    return lines.select(raw.str.contains(_MAY_START) & raw.str.contains(every)).to_series().fill_null(False)


def _starts(frame: pl.DataFrame, plan: Plan, *, join_wrapped: bool) -> pl.DataFrame:
    """Which lines start a record, and ``raw`` dropped where they do (the body keeps the rest)."""
    for name in ("ts", "level", "service", "component", "message", "trace"):
        if name not in frame.columns:
            frame = frame.with_columns(_none().alias(name))
    if "layout" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int16).alias("layout"))
    wrapped = pl.col("outer").is_not_null()
    has_header = pl.col("layout").is_not_null()
    # A wrapped line without an inner header is a record of its own when the wrapped lines have
    # no layout at all (a plain application) or when each is a record by nature (CSV rows).
    own = wrapped & ~has_header & pl.lit(not join_wrapped or not plan.layouts)
    structured = [i for i, layout in enumerate(plan.all) if isinstance(layout, StructuredLayout)]
    is_structured = pl.col("layout").is_in(structured)
    # A wrapper that names the line's pod (a collector's ``kubernetes.pod_name``, kubectl's
    # prefix) keeps it with the line's other fields, once its own text is peeled, as a structured
    # record's ``"pod_name"`` (which ``rca.pipeline`` reads as its instance): which replica said
    # what (each restarts, and slows, on its own).
    pods = [i for i, layout in enumerate(plan.wrappers) if layout.service_kind == "pod"]
    pod = pl.col("outer").is_in(pods) & pl.col("outer_service").is_not_null()
    frame = frame.with_columns(
        message=pl.when(own).then(pl.col("raw").str.strip_chars()).otherwise(pl.col("message")),
        is_start=has_header | own,
        # A structured record's whole line: its other fields (``error=``, ``upstream=``,
        # ``duration=``) say whom a service called and how long it took, where the message alone
        # does not.
        attributes=pl.when(is_structured | pod).then(pl.concat_str(
            pl.when(is_structured).then(pl.col("raw")),
            pl.when(pod).then(pl.format('"pod_name":"{}"', "outer_service")),
            separator=" ", ignore_nulls=True,
        )),
    )
    return frame.drop("matched", strict=False)
