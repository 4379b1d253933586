"""Baselines as versioned models: what normal looks like, learned once, kept in a folder, used later.

A model is one JSON file (never pickle: loading it runs no code) holding the Drain parse tree (so
later logs get the same template ids), the normal count of every (service, statement) series
with its spread per bucket, the settings used, the tool version, the inputs' sizes and SHA-256,
when it was learned, and the stretches of the input left out as anomalous. A SHA-256 of the
body guards against corruption and hand edits.

    learn (records -> tree, counts; anomalous stretches found and left out) -> Store.save
    Store.load("name@3") -> BaselineModel -> tree for template ids, Normal for the rates
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from rca.errors import InputError, RcaError, UsageError
from rca.mine.templates import TemplateTree, assign_templates, masking_id
from rca.model import IngestSummary, iso
from rca.read.ingest import ingest
from rca.read.sources import STDIN, resolve
from rca.settings import Settings
from rca.signals.detect import g_statistic
from rca.signals.features import ERRORS_ID, NORMAL_SCHEMA, Features, Normal, build_features, normal_of

FORMAT = "rca-baseline"
FORMAT_VERSION = 1  # bump when a reader of the old format would misread the new one
STORE_ENV = "RCA_STORE"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Per-series figures kept besides the Normal counts: spread of the count per bucket.
SPREAD = ("mean", "std", "max")


class ModelError(RcaError):
    """A baseline model that cannot be used: missing, corrupt, tampered with, or from an incompatible rca."""

    exit_code = 4


def tool_version() -> str:
    """This rca's version ("0+unknown" from a source tree never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rca-logs")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file the model was learned from (``sha256``/``bytes`` are None for stdin)."""

    source: str
    bytes: int | None
    sha256: str | None


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of the learning logs left out of the normal rates, and why (``signals``)."""

    start: datetime
    end: datetime
    records: int
    score: float
    signals: tuple[str, ...]


@dataclass(frozen=True)
class BaselineModel:
    """A learned baseline. ``version`` is 0 until the store saves it.

    ``rates``: one row per (``service``, ``key``) series with the ``Normal`` columns and the
    spread of its count per ``bucket_s`` bucket over the kept stretches (``mean``, ``std``, ``max``).
    ``template_counts``: records per template (``template_id``, ``template``, ``count``) over the
    kept stretches: the templates of normal behaviour. (The tree also knows templates seen only
    in excluded stretches; they have no normal count.)
    """

    name: str
    version: int
    learned_at: datetime
    tool_version: str
    settings: dict[str, Any]
    inputs: tuple[InputFile, ...]
    first: datetime
    last: datetime
    records: int
    bucket_s: float
    normal_s: float
    excluded: tuple[Stretch, ...]
    tree: dict[str, Any]
    rates: pl.DataFrame
    template_counts: pl.DataFrame
    checksum: str = field(default="", compare=False)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def normal(self) -> Normal:
        return Normal(self.rates.select(list(NORMAL_SCHEMA)), self.normal_s)

    @property
    def templates(self) -> dict[str, str]:
        """Template id -> text, for every template the model knows."""
        return self.template_tree().templates

    def template_tree(self) -> TemplateTree:
        """A fresh copy of the model's parse tree (mining later logs grows it)."""
        return TemplateTree.from_dict(self.tree)

    def body(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "learned_at": iso(self.learned_at),
            "tool_version": self.tool_version,
            "settings": self.settings,
            "inputs": [{"source": i.source, "bytes": i.bytes, "sha256": i.sha256} for i in self.inputs],
            "first": iso(self.first),
            "last": iso(self.last),
            "records": self.records,
            "bucket_s": self.bucket_s,
            "normal_s": self.normal_s,
            "excluded": [
                {"start": iso(s.start), "end": iso(s.end), "records": s.records, "score": s.score, "signals": list(s.signals)}
                for s in self.excluded
            ],
            "rates": _columns(self.rates),
            "template_counts": _columns(self.template_counts),
            "tree": self.tree,
        }

    def summary(self) -> dict[str, Any]:
        """What ``baseline list`` and the analysis JSON say about a model."""
        return {
            "name": self.name, "version": self.version, "learned_at": iso(self.learned_at),
            "tool_version": self.tool_version, "records": self.records,
            "templates": self.template_counts.height, "series": self.rates.height,
            "excluded_stretches": len(self.excluded), "first": iso(self.first), "last": iso(self.last),
            "checksum": self.checksum,
        }


RATE_SCHEMA = {**NORMAL_SCHEMA, "mean": pl.Float64, "std": pl.Float64, "max": pl.Float64}
TEMPLATE_SCHEMA = {"template_id": pl.String, "template": pl.String, "count": pl.Int64}


def _columns(frame: pl.DataFrame) -> dict[str, list[Any]]:
    return {name: frame.get_column(name).to_list() for name in frame.columns}


def _frame(columns: dict[str, Any], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame({name: columns[name] for name in schema}, schema=schema)


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def to_json(model: BaselineModel) -> tuple[str, str]:
    """The model file's text, and the checksum in it."""
    body = model.body()
    checksum = hashlib.sha256(_canonical(body)).hexdigest()
    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "sha256": checksum, "body": body}
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n", checksum


def from_json(text: str | bytes, where: str) -> BaselineModel:
    """Read a model file's text; every way it can be unusable is a ``ModelError`` naming ``where``."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise ModelError(f"{where} is not a baseline model: its JSON is nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{where} is not a baseline model: it is not valid JSON ({exc}); the file is corrupt") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelError(f"{where} is not an rca baseline model")
    found = document.get("format_version")
    if found != FORMAT_VERSION:
        newer = isinstance(found, int) and found > FORMAT_VERSION
        raise ModelError(
            f"{where} is a baseline model of format {found!r}, and this rca ({tool_version()}) reads format "
            f"{FORMAT_VERSION}: " + ("upgrade rca to use it" if newer else "learn the baseline again with this rca")
        )
    body = document.get("body")
    if not isinstance(body, dict) or hashlib.sha256(_canonical(body)).hexdigest() != document.get("sha256"):
        raise ModelError(
            f"{where} has been changed or corrupted since it was learned (its SHA-256 does not match); learn it again"
        )
    try:
        model = _model(body, document["sha256"])
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, pl.exceptions.PolarsError) as exc:
        raise ModelError(f"{where} is a malformed baseline model ({type(exc).__name__}: {exc})") from None
    if model.settings.get("masking") != masking_id():
        raise ModelError(
            f"{where} was learned with other rules for masking variables in messages (by rca {model.tool_version}; "
            f"this is rca {tool_version()}): its templates would not match; learn the baseline again with this rca"
        )
    return model


def _model(body: dict[str, Any], checksum: str) -> BaselineModel:
    TemplateTree.from_dict(body["tree"])  # fails here, with the load, if the tree is malformed
    return BaselineModel(
        name=str(body["name"]),
        version=int(body["version"]),
        learned_at=_time(body["learned_at"]),
        tool_version=str(body["tool_version"]),
        settings=dict(body["settings"]),
        inputs=tuple(InputFile(str(i["source"]), i["bytes"], i["sha256"]) for i in body["inputs"]),
        first=_time(body["first"]),
        last=_time(body["last"]),
        records=int(body["records"]),
        bucket_s=float(body["bucket_s"]),
        normal_s=float(body["normal_s"]),
        excluded=tuple(
            Stretch(_time(s["start"]), _time(s["end"]), int(s["records"]), float(s["score"]), tuple(map(str, s["signals"])))
            for s in body["excluded"]
        ),
        tree=body["tree"],
        rates=_frame(body["rates"], RATE_SCHEMA),
        template_counts=_frame(body["template_counts"], TEMPLATE_SCHEMA),
        checksum=checksum,
    )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# --- learning ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Learned:
    model: BaselineModel
    input: IngestSummary


def learn(
    sources: Sequence[str], settings: Settings, *, name: str, min_score: float = 60.0,
    progress: Callable[[str], None] = lambda stage: None,
) -> Learned:
    """Learn a baseline from known-good logs: templates, and normal counts outside anomalous stretches.

    ``min_score``: the G-test sum a stretch needs to be left out (see ``anomalous_stretches``).
    """
    check_name(name)
    progress("reading logs")
    records, summary = ingest(list(sources), settings)
    if records.height == 0:
        raise InputError("the baseline logs have no log lines")
    progress(f"mining templates of {records.height:,} records")
    tree = TemplateTree(sim_threshold=settings.sim_threshold, depth=settings.tree_depth, max_children=settings.max_children)
    records = assign_templates(records, tree=tree)
    timed = records.filter(pl.col("timestamp").is_not_null())
    if timed.get_column("timestamp").n_unique() < 2:
        raise InputError("the baseline logs need readable timestamps spanning some time (try --timestamp-format)")
    progress("finding normal behaviour")
    features = build_features(timed, bucket=settings.bucket)
    stretches = anomalous_stretches(features, min_score=min_score)
    excluded = np.zeros(features.n_buckets, dtype=bool)
    for a, b, _, _ in stretches:
        excluded[a:b] = True
    kept_buckets = np.flatnonzero(~excluded)
    plain = _plain(features)
    bucket_s = features.bucket.total_seconds()
    micros = int(bucket_s * 1_000_000)
    bucket_of = ((pl.col("timestamp") - pl.lit(features.origin)).dt.total_microseconds() // micros).cast(pl.Int32)
    kept = timed.filter(bucket_of.is_in(kept_buckets.tolist()))
    span = (summary.last - summary.first).total_seconds()  # type: ignore[operator]
    normal_s = span * len(kept_buckets) / features.n_buckets
    normal = normal_of(kept, span_s=normal_s)
    rates = _with_spread(normal, features, kept_buckets)
    model = BaselineModel(
        name=name,
        version=0,
        learned_at=datetime.now(UTC).replace(microsecond=0),
        tool_version=tool_version(),
        settings=_settings_dict(settings, bucket_s),
        inputs=tuple(_input_file(s.name, s.path) for s in resolve(list(sources))),
        first=summary.first,  # type: ignore[arg-type]
        last=summary.last,  # type: ignore[arg-type]
        records=records.height,
        bucket_s=bucket_s,
        normal_s=normal_s,
        excluded=tuple(
            Stretch(
                features.bucket_start(a), features.bucket_start(b), int(features.counts[plain, a:b].sum()),
                round(score, 1), signals,
            )
            for a, b, score, signals in stretches
        ),
        tree=tree.to_dict(),
        rates=rates,
        template_counts=kept.group_by("template_id").agg(pl.col("template").first(), count=pl.len())
        .sort("count", "template_id", descending=[True, False]).cast(TEMPLATE_SCHEMA).select(list(TEMPLATE_SCHEMA)),  # type: ignore[arg-type]
    )
    return Learned(model, summary)


def _plain(features: Features) -> np.ndarray:
    return (features.series.get_column("template_id") != ERRORS_ID).to_numpy()


def _with_spread(normal: Normal, features: Features, kept: np.ndarray) -> pl.DataFrame:
    """The normal table with each series' count per bucket over the kept buckets: mean, std, max."""
    counts = features.counts[:, kept] if len(kept) else np.zeros((features.counts.shape[0], 1))
    spread = features.series.select("service", "key").with_columns(
        mean=pl.Series(counts.mean(axis=1)), std=pl.Series(counts.std(axis=1)), max=pl.Series(counts.max(axis=1))
    )
    return (
        normal.table.join(spread, on=["service", "key"], how="left")
        .with_columns(pl.col(c).fill_null(0.0).round(4) for c in SPREAD)
        .cast(RATE_SCHEMA)  # type: ignore[arg-type]
        .select(list(RATE_SCHEMA))
    )


def _settings_dict(settings: Settings, bucket_s: float) -> dict[str, Any]:
    return {
        "log_format": settings.log_format, "timestamp_format": settings.timestamp_format,
        "service_pattern": settings.service_pattern, "year": settings.year, "tz": settings.tz,
        "since": iso(settings.since), "until": iso(settings.until),
        "sim_threshold": settings.sim_threshold, "tree_depth": settings.tree_depth,
        "max_children": settings.max_children, "bucket_s": bucket_s, "masking": masking_id(),
    }


def _input_file(name: str, path: Path | None) -> InputFile:
    if path is None or name == STDIN:
        return InputFile(STDIN, None, None)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return InputFile(name, path.stat().st_size, digest.hexdigest())


def anomalous_stretches(
    features: Features, *, min_score: float = 60.0, min_g: float = 12.0, factor: float = 3.0,
    max_share: float = 0.5, rounds: int = 3, min_signals: int = 2,
) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """Stretches of buckets ``[start, end)`` that look like an incident, with their score and signals.

    An incident in "good" logs shows as error-like series (most lines at WARN or above, or a
    service's ERROR/FATAL lines) taking a far larger share of all lines inside a stretch than
    outside it, or steady services' share collapsing in it. Shares, not rates: busier traffic
    is not an incident. Every window of at most ``max_share`` of the buckets is scored by the
    2x2 G-test of each such series whose share changes by ``factor`` or more and scores ``min_g``
    alone; the window with the highest sum is left out if it reaches ``min_score`` with at least
    ``min_signals`` such series (an incident disturbs more than one thing: an error template and
    its service's error count, or several services), padded by a bucket each side, and the search
    repeats on the rest (up to ``rounds`` stretches). Normal noise and a rare one-off error stay
    below the bar.
    """
    counts = features.counts
    n = counts.shape[1]
    plain = _plain(features)
    services = features.series.get_column("service").to_numpy()
    names, inverse = np.unique(services, return_inverse=True)
    per_service = np.zeros((len(names), n))
    np.add.at(per_service, inverse[plain], counts[plain])
    everything = per_service.sum(axis=0)
    error_like = features.series.get_column("error_share").to_numpy() >= 0.5
    steady = (per_service > 0).mean(axis=1) >= 0.8
    templates = features.series.get_column("template").to_numpy()
    labels = [f"{s}: {t}" for s, t in zip(services[error_like], templates[error_like], strict=True)]
    labels += [f"{s}: went quiet" for s in names[steady]]
    rows = np.vstack([counts[error_like], per_service[steady]])
    may_rise = np.arange(len(rows)) < int(error_like.sum())
    kept = np.ones(n, dtype=bool)
    found: list[tuple[int, int, float, tuple[str, ...]]] = []

    for _ in range(rounds):
        columns = np.flatnonzero(kept)
        m = len(columns)
        if m < 4 or len(rows) == 0:
            break
        cum = np.concatenate([np.zeros((len(rows), 1)), np.cumsum(rows[:, columns], axis=1)], axis=1)
        cum_all = np.concatenate([[0.0], np.cumsum(everything[columns])])
        starts, ends = np.triu_indices(m + 1, k=1)
        keep = (ends - starts) <= max(1, int(m * max_share))
        starts, ends = starts[keep], ends[keep]
        k_in = cum[:, ends] - cum[:, starts]
        k_out = cum[:, -1:] - k_in
        n_in = (cum_all[ends] - cum_all[starts])[None, :]
        n_out = cum_all[-1] - n_in
        g = g_statistic(k_in, n_in, k_out, n_out)
        with np.errstate(divide="ignore", invalid="ignore"):
            share_in, share_out = k_in / n_in, k_out / n_out
        changed = (n_in > 0) & (n_out > 0) & np.where(
            may_rise[:, None], (share_in > factor * share_out) & (k_in >= 3), share_in * factor < share_out
        )
        g = np.where(changed & (g >= min_g), g, 0.0)
        score = g.sum(axis=0)
        best = int(np.argmax(score))
        if score[best] < min_score or np.count_nonzero(g[:, best]) < min_signals:
            break
        a = max(0, columns[starts[best]] - 1)
        b = min(n, columns[ends[best] - 1] + 2)
        expected = k_out[:, best] / n_out[0, best] * n_in[0, best]
        top = [i for i in np.argsort(-g[:, best])[:5] if g[i, best] > 0]
        signals = tuple(_signal(labels[i], k_in[i, best], expected[i]) for i in top)
        found.append((a, b, round(float(score[best]), 1), signals))
        kept[a:b] = False
    return _merged(sorted(found))


def _merged(stretches: list[tuple[int, int, float, tuple[str, ...]]]) -> list[tuple[int, int, float, tuple[str, ...]]]:
    """Stretches that touch or overlap as one (a later round can find the edges of an earlier
    stretch, joined across it): scores added, signals of both (the strongest first, up to 5)."""
    merged: list[tuple[int, int, float, tuple[str, ...]]] = []
    for a, b, score, signals in stretches:
        if merged and a <= merged[-1][1]:
            first_a, first_b, first_score, first_signals = merged[-1]
            strongest = first_signals if first_score >= score else signals
            weaker = signals if first_score >= score else first_signals
            joined = tuple(dict.fromkeys(strongest + weaker))[:5]
            merged[-1] = (first_a, max(first_b, b), round(first_score + score, 1), joined)
        else:
            merged.append((a, b, score, signals))
    return merged


def _signal(label: str, inside: float, expected: float) -> str:
    return f"{label} ({inside:,.0f} records where {expected:,.1f} were expected)"


# --- the store ---------------------------------------------------------------------------------


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise UsageError(f"bad baseline name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    return name


def default_store() -> Path:
    """``$RCA_STORE``, else ``$XDG_DATA_HOME/rca/baselines``, else ``~/.local/share/rca/baselines``."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "rca" / "baselines"


class Store:
    """A folder of models: ``<root>/<name>/v<version>.json``. Versions only ever get added."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_store()

    def versions(self, name: str) -> list[int]:
        folder = self.root / check_name(name)
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in folder.iterdir() if (m := re.fullmatch(r"v(\d+)\.json", p.name)))

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and NAME.fullmatch(p.name) and self.versions(p.name))

    def path(self, name: str, version: int) -> Path:
        return self.root / check_name(name) / f"v{version}.json"

    def save(self, model: BaselineModel) -> BaselineModel:
        """Save ``model`` as the next version of its name; returns it with its version and checksum."""
        folder = self.root / check_name(model.name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the baseline store {folder}: {exc.strerror or exc}") from None
        number = (self.versions(model.name) or [0])[-1] + 1
        temporary = folder / f".learning-{os.getpid()}-{id(model)}.json"
        try:
            while True:
                saved = replace(model, version=number)
                text, checksum = to_json(saved)
                temporary.write_text(text, encoding="utf-8")
                try:
                    # A hard link claims the version atomically: never a half-written model under
                    # its final name, and two learns at once get two versions.
                    os.link(temporary, self.path(model.name, number))
                except FileExistsError:
                    number += 1
                    continue
                except OSError:  # a file system without hard links: claim the name, then write
                    try:
                        with open(self.path(model.name, number), "x", encoding="utf-8") as out:
                            out.write(text)
                    except FileExistsError:
                        number += 1
                        continue
                return replace(saved, checksum=checksum)
        except OSError as exc:
            raise UsageError(f"cannot write to the baseline store {folder}: {exc.strerror or exc}") from None
        finally:
            temporary.unlink(missing_ok=True)

    def entries(self) -> list[dict[str, Any]]:
        """A summary of every version in the store; one that cannot be loaded has ``error`` instead."""
        found: list[dict[str, Any]] = []
        for name in self.names():
            for number in self.versions(name):
                try:
                    found.append(self._load(name, number).summary())
                except ModelError as exc:
                    found.append({"name": name, "version": number, "error": str(exc)})
        return found

    def load(self, ref: str) -> BaselineModel:
        """A model by ``name`` (its latest version), ``name@N`` or ``name@latest``."""
        name, _, wanted = ref.partition("@")
        check_name(name)
        versions = self.versions(name)
        if not versions:
            known = ", ".join(self.names()) or "none"
            raise ModelError(f"no baseline named {name!r} in {self.root} (baselines there: {known})")
        if wanted in ("", "latest"):
            number = versions[-1]
        elif wanted.isdigit() and int(wanted) in versions:
            number = int(wanted)
        else:
            raise ModelError(f"baseline {name!r} has no version {wanted!r} (versions: {', '.join(map(str, versions))})")
        return self._load(name, number)

    def _load(self, name: str, number: int) -> BaselineModel:
        path = self.path(name, number)
        model = load_file(path)
        if (model.name, model.version) != (name, number):
            raise ModelError(f"{path} holds {model.ref}, not {name}@{number}: the store has been rearranged by hand")
        return model


def load_file(path: Path) -> BaselineModel:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read the baseline model {path}: {exc.strerror or exc}") from None
    return from_json(data, str(path))


def is_model_file(path: Path) -> bool:
    """Whether ``path`` is a model file (they start with ``{"format": "rca-baseline"``), not logs."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return re.match(rb'\s*\{\s*"format"\s*:\s*"rca-baseline"', head) is not None


def resolve_model(ref: str, store: Store) -> BaselineModel:
    """A model from a model file's path, or ``name[@version]`` in ``store``."""
    path = Path(ref)
    if path.is_file() and is_model_file(path):
        return load_file(path)
    return store.load(ref)
