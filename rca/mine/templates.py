"""Messages to templates: mask variables with Polars, mine the distinct masked messages with Drain3.

Only distinct masked messages reach Drain3 (a Python loop over distinct things); the templates
are joined back to every record in Polars.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl
from drain3.drain import Drain, LogCluster, Node
from drain3.template_miner_config import TemplateMinerConfig

from rca.regexes import ascii_classes

WILDCARD = "<*>"
MAX_MESSAGE_CHARS = 4096  # a 10 MB line still gets a template, from its first 4 KB

_B = r"(?-u:\b)"  # ASCII word boundary: much faster than Unicode's, and logs' variables are ASCII
_HEX = "[0-9a-fA-F]"
_DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_VALUE_END = r"\s,;&\"')\]}>"
_LABEL_LOWER = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_GENERIC_TLD = "com|net|org|edu|gov|mil|int|io|info|biz|local|internal|lan|corp|cloud|dev|app|arpa"
_SECOND_LEVEL = "com|net|org|edu|gov|co|ac|or|ne|go"

# Ordered by priority: the leftmost match wins, and among matches at the same place, the first
# alternative. Named groups are prefixes kept in the output (``key=`` of ``key=value``).
MASKS: tuple[tuple[str, str], ...] = (
    ("url", rf"(?P<scheme>{_B}[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s\"'<>\])}}]+"),
    ("email", rf"{_B}[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,}}{_B}"),
    ("datetime", r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
    ("ctime", rf"{_B}(?:{_DAY} )?{_MONTH} [ \d]?\d \d{{2}}:\d{{2}}:\d{{2}}(?: \d{{4}})?{_B}"),
    ("date", rf"{_B}\d{{4}}[-/.]\d{{2}}[-/.]\d{{2}}{_B}"),
    ("time", rf"{_B}\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?{_B}"),
    ("uuid", rf"{_B}{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}{_B}"),
    ("ipv4", rf"{_B}\d{{1,3}}(?:\.\d{{1,3}}){{3}}{_B}"),
    # Fully qualified host names: a generic top-level domain, or a country's after a second-level
    # one (``edu.hk``, ``co.uk``), and not followed by a dot (``org.example.app.Main`` is a class).
    # With a port, host:port becomes <*>:<*>.
    ("fqdn", rf"{_B}(?:{_LABEL_LOWER}\.){{2,}}(?:{_GENERIC_TLD}|(?:{_SECOND_LEVEL})\.[a-z]{{2}})(?P<after_fqdn>$|[\s:/,;)\]\"'>])"),
    ("ipv6", rf"{_B}(?:{_HEX}{{1,4}}:){{7}}{_HEX}{{1,4}}{_B}|{_B}(?:{_HEX}{{1,4}}:){{1,6}}:{_HEX}{{0,4}}(?:[:{_HEX}]*){_B}"),
    ("mac", rf"{_B}{_HEX}{{2}}(?::{_HEX}{{2}}){{5}}{_B}"),
    ("hex", rf"{_B}0[xX]{_HEX}+{_B}"),
    ("key_value", rf"(?P<key>{_B}[A-Za-z_][\w.-]*=)[^{_VALUE_END}=]*\d[^{_VALUE_END}]*"),
    ("windows_path", rf"{_B}[A-Za-z]:\\[^\s\"'<>|]*"),
    ("path", r"(?P<lead>^|[\s=:(\[\"',])(?:/[\w.@%+~-]+)+/?(?:\?[^\s\"'<>]*)?"),
    # Identifiers with digit groups: blk_-6952295868487656571, attempt_2017_0024_m_000004_1026, node-246.
    ("id", rf"{_B}[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*[_-]-?[A-Za-z]*\d[A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*{_B}"),
    ("size", rf"{_B}\d+(?:\.\d+)? ?(?:B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|bytes){_B}"),
    ("duration", rf"{_B}\d+(?:\.\d+)?(?:ms|us|µs|ns|s|sec|secs|min|mins|h|hrs)(?-u:\b)"),
    ("hex_id", rf"{_B}(?:[0-9a-fA-F]*\d[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*|[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\d[0-9a-fA-F]*){_B}"),
    ("number", rf"{_B}\d+(?:\.\d+)*{_B}"),
)
MASK_PATTERN = ascii_classes("|".join(f"(?:{regex})" for _, regex in MASKS))
# Python's ``re`` cannot compile Rust's ``(?-u:...)``, so find the group names by their syntax.
# Groups are kept around the wildcard: prefixes (``key=``) before it, ``after_*`` ends after it.
_GROUPS = re.findall(r"\(\?P<(\w+)>", MASK_PATTERN)
_KEEP = "".join(f"${{{name}}}" for name in _GROUPS if not name.startswith("after"))
_KEEP_AFTER = "".join(f"${{{name}}}" for name in _GROUPS if name.startswith("after"))


def mask(messages: pl.Expr) -> pl.Expr:
    """Replace variables (IPs, ids, numbers, paths, ``key=value`` values, ...) by ``<*>``.

    >>> pl.select(mask(pl.lit("user=42 from 10.0.0.1:22 took 12ms"))).item()
    'user=<*> from <*>:<*> took <*>'
    """
    return messages.str.slice(0, MAX_MESSAGE_CHARS).str.replace_all(MASK_PATTERN, f"{_KEEP}{WILDCARD}{_KEEP_AFTER}")


# ``mask`` in three passes, each without the capture groups that make a regex engine slow where
# it must try the whole alternation at every place of every message: the matches are marked
# (between _OPEN and _CLOSE), then the marked matches that keep nothing of themselves (most:
# numbers, ids, times) become ``<*>``, and only the rest are read again with the groups, a regex
# that starts with the mark, so it runs only where one is. The same output as ``mask`` (checked
# on 1.7 million distinct messages and in tests); for messages holding a mark character, ``mask``.
_OPEN, _CLOSE = "\x01", "\x02"
_MARKS = f"[{_OPEN}{_CLOSE}]"
_UNGROUPED = re.sub(r"\(\?P<\w+>", "(?:", MASK_PATTERN)
# A marked match keeps nothing when it starts with neither a punctuation mark before a path nor
# a URL's scheme or a key (no ``=``, no ``:/``) and ends with none of the characters a host name
# keeps after it.
_AFTER_FQDN = r"\s:/,;)\]\"'>"
_PLAIN_MATCH = ascii_classes(
    rf"{_OPEN}(?:[0-9A-Za-z_]|[0-9A-Za-z_/](?:[^{_CLOSE}=:]|:[^{_CLOSE}=/])*[^{_CLOSE}{_AFTER_FQDN}=]){_CLOSE}"
)
# The others, by the alternative that made them: a URL keeps its scheme, ``key=value`` its key,
# a path the mark before it, a host name the character after it (in step with ``MASKS``:
# tests/test_parse.py compares both ways of masking).
_KEEPING_MATCH = ascii_classes(
    rf"{_OPEN}(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^{_CLOSE}]*|(?P<key>[A-Za-z_][\w.-]*=)[^{_CLOSE}]*"
    rf"|(?P<lead>[\s=:(\[\"',])/[^{_CLOSE}]*|(?:{_LABEL_LOWER}\.){{2,}}[a-z.]*(?P<after_fqdn>[{_AFTER_FQDN}])"
    rf"|[^{_CLOSE}]*){_CLOSE}"
)


def mask_unmarked(messages: pl.Expr) -> pl.Expr:
    """``mask`` of messages that hold no mark character (``_MARKS``), quicker (see above)."""
    marked = messages.str.slice(0, MAX_MESSAGE_CHARS).str.replace_all(_UNGROUPED, f"{_OPEN}${{0}}{_CLOSE}")
    return marked.str.replace_all(_PLAIN_MATCH, WILDCARD).str.replace_all(
        _KEEPING_MATCH, f"${{scheme}}${{key}}${{lead}}{WILDCARD}${{after_fqdn}}"
    )


class MaskedDrain(Drain):
    """Drain whose similarity ignores positions where both sides are already-masked variables.

    Plain Drain divides the matching constant tokens by all tokens, so a message with many masked
    values looks unlike its own template and splits off. Here only positions that carry a constant
    on at least one side count, which lets the threshold separate short messages that differ in
    one word ("Starting X initialization." / "Starting X finalization.") without splitting long,
    variable-heavy ones.
    """

    def get_seq_distance(self, seq1, seq2, include_params):  # type: ignore[no-untyped-def]
        if not seq1:
            return 1.0, 0
        same = params = both = 0
        for template_token, token in zip(seq1, seq2, strict=True):
            if template_token in _WILDCARDS:
                params += 1
                both += token in _WILDCARDS
            elif template_token == token:
                same += 1
        if include_params:
            same += params
            both = 0
        counted = len(seq1) - both
        return (same / counted if counted else 1.0), params

    def create_template(self, seq1, seq2):  # type: ignore[no-untyped-def]
        """As Drain's, keeping a varying token's glue to the token before it (``uid=<*>``)."""
        return [
            kept if token == kept else (GLUED_WILDCARD if token[:1] == kept[:1] == GLUE else WILDCARD)
            for token, kept in zip(seq1, seq2, strict=True)
        ]


def masking_id() -> str:
    """A short hash of how messages are masked and tokenised: templates mined under another
    masking do not match this one's messages, so a saved tree must have the same."""
    recipe = f"{MASK_PATTERN}|{WILDCARD}|{MAX_MESSAGE_CHARS}|tokens-{TOKENS_VERSION}|split-{VALUE_DELIMITERS}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:16]


TOKENS_VERSION = 2  # bump when _tokens or split_values changes what it makes of a masked message

# Characters that separate values inside a word (``a=1,b=2``, ``f(x)``, ``x|y``): each is a token of
# its own for Drain, glued (``GLUE``) to what it touched, so a template still reads as the message.
VALUE_DELIMITERS = "|,;=()[]{}"
GLUE = "\ue000"  # a private-use character: not whitespace to str.split, seldom in logs
GLUED_WILDCARD = GLUE + WILDCARD
_WILDCARDS = (WILDCARD, GLUED_WILDCARD)


EMPTY = "\ue001"  # an empty pair of brackets holds an empty value: a token, so ``()`` and ``(x)`` align
_MARK = "\ue002"  # put around each value delimiter while the tokens are cut; none is left after
_OPENS = {"(": ")", "[": "]", "{": "}"}


def split_values(masked: pl.Series) -> pl.Series:
    """Masked messages with their value delimiters as tokens of their own, each token that touched
    the one before it marked with ``GLUE``: ``uid=<*> ok`` -> ``uid`` ``GLUE=`` ``GLUE<*>`` ``ok``.
    The empty value between a pair of brackets is a token too (``EMPTY``). Polars' string
    kernels over all the messages at once (a Python loop over them cost a twentieth of
    ``rca templates``).

    >>> split_values(pl.Series(["uid=<*> ok", "f() x,y"])).str.replace_many([GLUE, EMPTY], ["~", "_"]).to_list()
    ['uid ~= ~<*> ok', 'f ~( ~_ ~) x ~, ~y']
    """
    delimiters = list(VALUE_DELIMITERS)
    if not delimiters:
        return masked
    cut = pl.col("m").str.replace_many(
        [o + c for o, c in _OPENS.items()], [o + EMPTY + c for o, c in _OPENS.items()]
    ).str.replace_many(delimiters, [_MARK + d + _MARK for d in delimiters])
    # Marks and spaces at either end go; between two tokens, a space keeps them apart (not glued),
    # marks alone mean they touched (glued).
    cut = cut.str.replace_all(rf"^[\s{_MARK}]+|[\s{_MARK}]+$", "").str.replace_all(rf"[\s{_MARK}]*\s[\s{_MARK}]*", " ")
    return pl.DataFrame({"m": masked}).select(cut.str.replace_all(f"{_MARK}+", " " + GLUE)).to_series()


def render(template: str) -> str:
    """A template mined from ``split_values`` tokens, written as the messages are."""
    return template.replace(" " + GLUE, "").replace(GLUE, "").replace(EMPTY, "")


def _tokens(masked: pl.Expr) -> pl.Expr:
    """One space between tokens, and a run of masked tokens as one: lists of ids vary in length,
    whether written ``a b c`` or ``a,b,c``."""
    text = masked.str.replace_all(r"\s+", " ").str.strip_chars()
    return text.str.replace_all(r"<\*>(?:(?: ?[,;|] ?| )<\*>)+", WILDCARD)


def drain_config(*, sim_threshold: float, depth: int, max_children: int) -> TemplateMinerConfig:
    """Drain3's settings, built here so a ``drain3.ini`` in the working directory is never read."""
    config = TemplateMinerConfig()
    config.drain_sim_th = sim_threshold
    config.drain_depth = depth
    config.drain_max_children = max_children
    config.drain_max_clusters = None
    config.drain_extra_delimiters = []
    config.masking_instructions = []  # masking is done above, in Polars
    config.parametrize_numeric_tokens = True
    return config


class TemplateTree:
    """A Drain parse tree that can be kept as plain JSON and restored, so later logs get the templates
    (and template ids) an earlier run mined.

    ``frozen`` maps the ids of clusters restored from a saved tree to the template text they had when
    saved: messages that join such a cluster keep that text and id even if the cluster generalises.
    """

    def __init__(self, *, sim_threshold: float = 0.7, depth: int = 5, max_children: int = 100) -> None:
        config = drain_config(sim_threshold=sim_threshold, depth=depth, max_children=max_children)
        self.options = {"sim_threshold": sim_threshold, "depth": depth, "max_children": max_children}
        self.drain = MaskedDrain(
            depth=config.drain_depth,
            sim_th=config.drain_sim_th,
            max_children=config.drain_max_children,
            max_clusters=config.drain_max_clusters,
            extra_delimiters=config.drain_extra_delimiters,
            param_str=WILDCARD,
            parametrize_numeric_tokens=config.parametrize_numeric_tokens,
        )
        self.frozen: dict[int, str] = {}

    def mine(self, masked: list[str]) -> list[str]:
        """The template text of each masked message, mined in the order given (first appearance).

        New clusters' text is read once mining is over (a cluster's text generalises as messages
        arrive); restored clusters keep their saved text.
        """
        add = self.drain.add_log_message
        cluster_of = [add(tokens)[0].cluster_id for tokens in split_values(pl.Series(masked, dtype=pl.String)).to_list()]
        final = self._texts()
        return [final[c] for c in cluster_of]

    def _texts(self) -> dict[int, str]:
        """Each cluster's template text, restored clusters with the text they were saved with."""
        texts = {cluster.cluster_id: cluster.get_template() for cluster in self.drain.clusters} | self.frozen
        return {cluster_id: render(text) for cluster_id, text in texts.items()}

    def to_dict(self) -> dict[str, object]:
        """The tree as JSON-ready data: settings, clusters (id, tokens, size) and the prefix tree."""

        def node(n: Node) -> dict[str, object]:
            return {"clusters": list(n.cluster_ids), "children": {k: node(c) for k, c in n.key_to_child_node.items()}}

        clusters = sorted(self.drain.clusters, key=lambda c: c.cluster_id)
        return {
            **self.options,
            "clusters": [{"id": c.cluster_id, "tokens": list(c.log_template_tokens), "size": c.size} for c in clusters],
            "root": node(self.drain.root_node),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TemplateTree:
        """Restore a tree saved by ``to_dict``; raises ``ValueError`` or ``TypeError`` if it is malformed."""
        tree = cls(
            sim_threshold=float(data["sim_threshold"]),  # type: ignore[arg-type]
            depth=int(data["depth"]),  # type: ignore[call-overload]
            max_children=int(data["max_children"]),  # type: ignore[call-overload]
        )
        drain = tree.drain
        for item in data["clusters"]:  # type: ignore[attr-defined]
            tokens = item["tokens"]
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                raise TypeError("cluster tokens must be a list of strings")
            cluster = LogCluster(tokens, int(item["id"]))
            cluster.size = int(item["size"])
            drain.id_to_cluster[cluster.cluster_id] = cluster
            tree.frozen[cluster.cluster_id] = cluster.get_template()
        drain.clusters_counter = max(drain.id_to_cluster, default=0)

        def node(raw: dict[str, object]) -> Node:
            made = Node()
            ids = [int(i) for i in raw["clusters"]]  # type: ignore[attr-defined]
            if any(i not in drain.id_to_cluster for i in ids):
                raise ValueError("the prefix tree names a cluster that is not in the model")
            made.cluster_ids = ids
            made.key_to_child_node = {str(k): node(v) for k, v in raw["children"].items()}  # type: ignore[attr-defined]
            return made

        drain.root_node = node(data["root"])  # type: ignore[arg-type]
        return tree

    @property
    def templates(self) -> dict[str, str]:
        """Template id -> text of every cluster (restored ones with their saved text)."""
        return {template_id(t): t for t in self._texts().values()}


def template_id(template: str) -> str:
    """A stable id from the template text: the same template has the same id in every run."""
    return hashlib.blake2b(template.encode(), digest_size=6).hexdigest()


MASKED_ID = "_masked_id"  # each record's masked message, as an index into the masked messages beside it


def assign_templates(
    records: pl.DataFrame, *, sim_threshold: float = 0.7, depth: int = 5, max_children: int = 100,
    tree: TemplateTree | None = None, masked: pl.Series | None = None,
) -> pl.DataFrame:
    """Add ``template_id`` and ``template`` to every record, from its ``message``.

    Masking (``mask_messages``) runs in Polars over each distinct message shape; Drain sees each
    distinct masked message once, in order of first appearance, and the result is joined back.
    ``tree``: mine into this tree (e.g. one restored from a baseline model), which keeps growing.
    ``masked``: the records were masked already (they carry ``MASKED_ID``, indices into
    ``masked``, as ``mask_messages`` and ``concat_masked`` give them).
    """
    if masked is None:
        records, masked = mask_messages(records)
    ids = records.get_column(MASKED_ID)
    template_ids, templates = mine_masked(ids, masked, tree or TemplateTree(sim_threshold=sim_threshold, depth=depth, max_children=max_children))
    return records.drop(MASKED_ID).with_columns(template_id=template_ids.gather(ids), template=templates.gather(ids))


def assign_compact(
    records: pl.DataFrame, texts: pl.DataFrame, masked: pl.Series, tree: TemplateTree
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``assign_templates`` for records read compact (``rca.mine.compact``): the lines and the
    texts each with ``template_id`` and ``template`` (categorical: a few distinct per many rows)."""
    ids = records.get_column(MASKED_ID)
    template_ids, templates = mine_masked(ids, masked, tree)
    template_ids, templates = template_ids.cast(pl.Categorical), templates.cast(pl.Categorical)

    def labelled(frame: pl.DataFrame) -> pl.DataFrame:
        at = frame.get_column(MASKED_ID)
        return frame.drop(MASKED_ID).with_columns(template_id=template_ids.gather(at), template=templates.gather(at))

    return labelled(records), labelled(texts)


def mine_masked(ids: pl.Series, masked: pl.Series, tree: TemplateTree) -> tuple[pl.Series, pl.Series]:
    """Each masked message's ``template_id`` and ``template`` (None for one no record has), Drain
    mining them in order of first appearance in ``ids``."""
    # Shards masked apart may give one message several ids.
    distinct = masked.gather(ids.unique(maintain_order=True)).unique(maintain_order=True)
    mined = dict(zip(distinct.to_list(), tree.mine(distinct.to_list()), strict=True))
    templates = pl.Series([mined.get(text) for text in masked.to_list()], dtype=pl.String)
    template_ids = pl.Series([None if t is None else template_id(t) for t in templates.to_list()], dtype=pl.String)
    return template_ids, templates


def mask_messages(records: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """``records`` with ``MASKED_ID``, and the distinct masked messages in order of first
    appearance (a record's ``MASKED_ID`` is its masked message's index there).

    >>> records, masked = mask_messages(pl.DataFrame({"message": ["took 5 ms", "ok", "took 70 ms"]}))
    >>> records.get_column(MASKED_ID).to_list(), masked.to_list()
    ([0, 1, 0], ['took <*> ms', 'ok'])
    """
    # Masks treat the digits 1-9 alike (only where digits are, and zeros, matter to them), so
    # messages of one shape (digits 1-9 made 1, ``shape``) mask alike except where a digit 1-9
    # comes through masking unmasked (``jk2_init``, a ``v2=`` key): the masking regex runs once
    # per shape, on its first message, and only shapes whose masked text keeps such a digit are
    # masked again message by message. Each record keeps a 64-bit hash of its group, so no copy
    # of the messages is held.
    message = pl.col("message")
    shapes = records.lazy().select(_group=shape(message).hash(seed=0)).collect(engine="streaming").get_column("_group")
    first = shapes.is_first_distinct()
    groups = _masked_groups(records.filter(first).select("message", _group=shapes.filter(first)))
    kept_digits = groups.filter(pl.col("_masked").str.contains("[1-9]")).get_column("_group")
    keys = shapes
    if kept_digits.len():
        kept_digits = kept_digits.implode()
        by_message = shapes.is_in(kept_digits)
        keys = records.lazy().select(
            _group=pl.when(pl.lit(by_message)).then(message.hash(seed=1)).otherwise(pl.lit(shapes))
        ).collect(engine="streaming").get_column("_group")
        first = by_message & keys.is_first_distinct()
        exact = _masked_groups(records.filter(first).select("message", _group=keys.filter(first)))
        groups = pl.concat([groups.filter(~pl.col("_group").is_in(kept_digits)), exact])
    # The groups in order of their first record, so the masked messages come in order of first appearance.
    groups = pl.DataFrame({"_group": keys.filter(keys.is_first_distinct())}).join(groups, on="_group", how="left", maintain_order="left")
    masked = groups.get_column("_masked").unique(maintain_order=True)
    index = pl.DataFrame({"_masked": masked}).with_row_index(MASKED_ID)
    lookup = groups.join(index, on="_masked").drop("_masked")
    records = records.with_columns(_group=keys).join(lookup, on="_group", how="left", maintain_order="left")
    return records.drop("_group"), masked


def _masked_groups(groups: pl.DataFrame) -> pl.DataFrame:
    """``_group`` and ``_masked`` of each (``message``, ``_group``) row: the streaming engine runs
    the masking regex on all cores, a batch of messages at a time."""
    odd = pl.col("message").str.contains(_MARKS)
    lazy = groups.lazy()
    return pl.concat([
        lazy.filter(~odd).select("_group", _masked=_tokens(mask_unmarked(pl.col("message")))),
        lazy.filter(odd).select("_group", _masked=_tokens(mask(pl.col("message")))),
    ]).collect(engine="streaming")


def offset_masked(parts: list[tuple[pl.DataFrame, pl.Series]]) -> tuple[list[pl.DataFrame], pl.Series]:
    """Masked records of several parts numbered as one: each part's records with its ``MASKED_ID``
    moved past the masked messages of the parts before it, and all the parts' masked messages."""
    frames, offset = [], 0
    for records, masked in parts:
        frames.append(records.with_columns(pl.col(MASKED_ID) + pl.lit(offset, dtype=pl.UInt32)) if offset and records.height else records)
        offset += masked.len()
    return frames, pl.concat([masked for _, masked in parts]) if parts else pl.Series(dtype=pl.String)


def shape(messages: pl.Expr) -> pl.Expr:
    """A message's shape: every digit but 0 made 1, within the first ``MAX_MESSAGE_CHARS``. Masks
    treat the digits 1-9 alike, so ``mask(shape(m))`` and ``mask(m)`` differ only where a digit
    1-9 comes through masking unmasked.

    >>> pl.select(shape(pl.lit("took 250ms at 10.0.3.7"))).item()
    'took 110ms at 10.0.1.1'
    """
    # A literal replacement of each digit (Aho-Corasick) is a fifth quicker than a regex class.
    return messages.str.slice(0, MAX_MESSAGE_CHARS).str.replace_many(_DIGITS_2_9, ["1"] * len(_DIGITS_2_9))


_DIGITS_2_9 = [str(d) for d in range(2, 10)]


def _param_regex(template: str) -> str:
    """A regex over the original message with one group per ``<*>``; the template's spaces match any run."""
    pieces = [r"\s+".join(re.escape(word) for word in piece.split(" ")) for piece in template.split(WILDCARD)]
    return r"(?s)^\s*" + "(.*?)".join(pieces) + r"\s*$"


def add_params(records: pl.DataFrame) -> pl.DataFrame:
    """Add ``params``: the values behind each template's ``<*>``, in order (a list of strings).

    Runs one Polars regex per template over that template's distinct messages.
    """
    distinct = records.select("template", "message").unique()
    parts = []
    for (template,), group in distinct.group_by("template"):
        if template is None or WILDCARD not in template:
            parts.append(group.with_columns(params=pl.lit([], dtype=pl.List(pl.String))))
            continue
        pattern = _param_regex(template)
        n = template.count(WILDCARD)
        groups = pl.col("message").str.extract_groups(pattern)
        params = pl.concat_list([groups.struct.field(str(i + 1)) for i in range(n)])
        parts.append(group.with_columns(params=params))
    lookup = pl.concat(parts) if parts else distinct.with_columns(params=pl.lit([], dtype=pl.List(pl.String)))
    return records.join(lookup, on=["template", "message"], how="left", maintain_order="left", nulls_equal=True)
