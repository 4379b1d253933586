"""Postmortem reports (Markdown and self-contained HTML) from an ``Analysis`` and nothing else.

The shape follows a blameless postmortem (the Google SRE book's template): summary, impact,
detection, timeline, root cause and contributing factors, evidence, and the sections only the
author can write (action items, lessons learned), marked as theirs. The same input gives the
same bytes: no generation time unless one is passed.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rca import __version__
from rca.errors import InputError, UsageError
from rca.model import Analysis, Anomaly, iso
from rca.report import figures
from rca.report.text import printable

DETAILED = 3  # root causes shown with their evidence picture, examples and effects
LISTED_CHANGES = 10  # templates per table of changes
TIMELINE_EVENTS = 20

METHODS = {
    "given": "given by the user (--incident-start)",
    "errors": "found from the logs: where new and rising error-like lines begin",
    "volume": "found from the logs: where the volume of lines changes most (no error-like lines rose)",
    "baseline": "taken as the start of the logs, which are compared with known-good logs (--baseline)",
    "too-short": "taken as the start of the logs, which are too short to find one",
}


@dataclass(frozen=True, slots=True)
class Picture:
    """An SVG picture of the report: its file name (Markdown) and what it shows."""

    name: str
    title: str
    svg: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    service: str
    what: str
    template: str


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _clock(ts: datetime | None) -> str:
    return "?" if ts is None else ts.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def pictures(analysis: Analysis) -> dict[str, Picture]:
    """Every picture the report shows, by name; pictures without data are left out."""
    found = {
        "timeline": Picture("timeline.svg", "Log lines per minute by service", figures.timeline_svg(analysis)),
        "graph": Picture("causal-graph.svg", "Causal graph", figures.graph_svg(analysis)),
    }
    for cause in analysis.root_causes[:DETAILED]:
        found[f"cause-{cause.rank}"] = Picture(
            f"cause-{cause.rank}.svg", f"Evidence of {cause.service}", figures.evidence_svg(analysis, cause)
        )
    return {key: picture for key, picture in found.items() if picture.svg}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _summary(analysis: Analysis) -> str:
    top = analysis.root_causes[0] if analysis.root_causes else None
    if analysis.incident is None or top is None:
        return "rca found no departure from normal behaviour in these logs, so it names no root cause."
    effects = ", ".join(e.service for e in top.explains)
    text = (
        f"From {_clock(analysis.incident.start)} to the end of the logs ({_clock(analysis.incident.end)}), "
        f"{_count(len(analysis.services), 'service')} departed from normal. The most likely root cause is {top.service}: "
        f"from {_clock(top.onset)} its lines \"{printable(top.template, limit=120)}\" changed ({top.change.describe()})"
    )
    return text + (f", and it explains what {effects} did." if effects else ".")


def _error_rates(analysis: Analysis) -> list[dict[str, object]]:
    """Per service: error lines per minute before the incident and during it (most changed first)."""
    timeline, incident = analysis.timeline, analysis.incident
    if timeline is None or incident is None:
        return []
    split = max(0, round((incident.start - timeline.origin).total_seconds() / timeline.bucket_s))
    rows = []
    for rates in timeline.services:
        before, during = rates.errors[:split], rates.errors[split:]
        per_min = 60.0 / timeline.bucket_s
        b = sum(before) / len(before) * per_min if before else 0.0
        d = sum(during) / len(during) * per_min if during else 0.0
        rows.append({"service": rates.service, "before": b, "during": d, "lines": sum(rates.lines)})
    rows.sort(key=lambda row: (-(float(row["during"]) - float(row["before"])), str(row["service"])))  # type: ignore[arg-type]
    return rows


def _events(analysis: Analysis) -> list[Event]:
    events = [Event(c.onset, c.service, f"root cause #{c.rank}: {c.change.describe()}", c.template)
              for c in analysis.root_causes]
    causes = {(c.service, c.template_id) for c in analysis.root_causes}
    others = [a for a in analysis.anomalies if (a.service, a.template_id) not in causes]
    events += [Event(a.onset, a.service, a.change.describe(), a.template)
               for a in sorted(others, key=lambda a: (a.onset, -a.score))[:TIMELINE_EVENTS]]
    if analysis.incident is not None:
        events.append(Event(analysis.incident.start, "", "incident starts (" + analysis.incident.method + ")", ""))
    return sorted(events, key=lambda e: (e.time, e.service == "", e.service, e.what))


def _changes(anomalies: Iterable[Anomaly]) -> dict[str, list[Anomaly]]:
    groups: dict[str, list[Anomaly]] = {"appeared": [], "vanished": [], "changed": []}
    for anomaly in anomalies:
        kind = anomaly.change.kind
        group = "appeared" if kind == "new" else "vanished" if kind == "stopped" else "changed"
        if len(groups[group]) < LISTED_CHANGES:
            groups[group].append(anomaly)
    return groups


def _normal(analysis: Analysis) -> str:
    """What the analysis took as normal behaviour, in words."""
    used = analysis.baseline
    if used is None:
        return "the logs before the start (with any known-good logs given by --baseline)"
    return (f"the learned baseline {used.name}@{used.version} (learned {_clock(used.learned_at)}, SHA-256 "
            f"{used.checksum[:12]}...) together with the logs before the start; {used.unknown_records:,} records "
            f"fell on {used.unknown_templates:,} templates the baseline never saw")


def context(analysis: Analysis, *, generated: datetime | None = None) -> dict[str, object]:
    """Everything the templates show, computed once."""
    top = analysis.root_causes[0] if analysis.root_causes else None
    incident = analysis.incident
    return {
        "a": analysis,
        "title": f"Postmortem (draft): {top.service}" if top else "Postmortem (draft): no root cause found",
        "summary": _summary(analysis),
        "version": __version__,
        "generated": _clock(generated) if generated else None,
        "incident": incident,
        "method": METHODS.get(incident.method, incident.method) if incident else None,
        "normal": _normal(analysis),
        "duration": _duration((incident.end - incident.start).total_seconds()) if incident else None,
        "error_rates": _error_rates(analysis)[:12],
        "events": _events(analysis),
        "detailed": analysis.root_causes[:DETAILED],
        "contributing": analysis.root_causes[1:],
        "changes": _changes(analysis.anomalies),
        "pictures": pictures(analysis),
        "clock": _clock,
        "iso": iso,
    }


def _environment(markdown: bool) -> object:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rca.report", "templates"),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["printable"] = lambda text, limit=None: printable(str(text), limit=limit)
    env.filters["code"] = md_code
    env.filters["md"] = md_text
    env.filters["fence"] = md_fence
    env.filters["number"] = lambda value: f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return env


def md_text(text: object) -> str:
    """Untrusted text as plain Markdown text: no markup, no HTML, one line."""
    flat = printable(str(text)).replace("\n", " ").replace("\t", " ")
    return re.sub(r"([\\`*_\[\]<>|~&])", r"\\\1", flat)


def md_code(text: object, limit: int | None = None) -> str:
    """Untrusted text as an inline code span that no backtick or pipe in it can end (safe in tables)."""
    flat = printable(str(text), limit=limit).replace("\n", " ").replace("\t", " ").replace("|", "\\|")
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def md_fence(text: object) -> str:
    """Untrusted lines as a fenced code block longer than any backtick run inside."""
    body = printable(str(text)).replace("\t", "    ")
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    return f"{fence}text\n{body}\n{fence}"


def render_html(analysis: Analysis, *, generated: datetime | None = None,
                values: dict[str, object] | None = None) -> str:
    """A self-contained HTML page: inline CSS, pictures as data URIs, no script, no network.

    ``values``: the ``context`` of ``analysis``, when already computed (it draws the pictures).
    """
    return _environment(markdown=False).get_template("postmortem.html.j2").render(  # type: ignore[attr-defined]
        values or context(analysis, generated=generated)
    )


def render_markdown(analysis: Analysis, *, pictures_dir: str, generated: datetime | None = None,
                    values: dict[str, object] | None = None) -> tuple[str, dict[str, str]]:
    """The Markdown text, linking pictures in ``pictures_dir`` (relative), and those pictures by file name."""
    values = values or context(analysis, generated=generated)
    text = _environment(markdown=True).get_template("postmortem.md.j2").render(  # type: ignore[attr-defined]
        values, pictures_dir=pictures_dir
    )
    files = {p.name: p.svg for p in values["pictures"].values()}  # type: ignore[attr-defined]
    return text, files


def write_reports(analysis: Analysis, paths: Iterable[Path], *, generated: datetime | None = None) -> list[list[Path]]:
    """``write_report`` for each path, drawing the pictures once (and not at all without a path)."""
    paths = list(paths)
    if not paths:
        return []
    values = context(analysis, generated=generated)
    return [write_report(analysis, path, values=values) for path in paths]


def write_report(analysis: Analysis, path: Path, *, generated: datetime | None = None,
                 values: dict[str, object] | None = None) -> list[Path]:
    """Write the report ``path`` names (``.html``/``.htm`` or ``.md``); return every file written.

    Markdown's pictures go to ``<stem>_files/`` beside it.
    """
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.write_text(render_html(analysis, generated=generated, values=values), encoding="utf-8")
        return [path]
    if suffix in (".md", ".markdown"):
        folder = path.with_name(f"{path.stem}_files")
        text, files = render_markdown(analysis, pictures_dir=folder.name, generated=generated, values=values)
        folder.mkdir(exist_ok=True)
        written = []
        for name, svg in sorted(files.items()):
            (folder / name).write_text(svg, encoding="utf-8")
            written.append(folder / name)
        path.write_text(text, encoding="utf-8")
        return [path, *written]
    raise ValueError(f"{path.name}: a report must end in .html, .htm or .md")


def load_analysis(text: str, *, name: str) -> Analysis:
    """An Analysis from the text of saved ``rca analyze --json``; InputError says what is wrong."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not JSON ({exc.msg} at line {exc.lineno}); save it with rca analyze --json") from None
    if not isinstance(data, dict):
        raise InputError(f"{name}: not the JSON of rca analyze (expected an object)")
    try:
        return Analysis.from_dict(data)
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from None
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(f"{name}: not the JSON of rca analyze (bad or missing {exc})") from None


def report_targets(paths: Iterable[str]) -> list[Path]:
    """Check report paths before any work: a known suffix and an existing folder; UsageError if not."""
    targets = []
    for text in paths:
        path = Path(text)
        if path.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
            raise UsageError(f"--report {text}: the file name must end in .html or .md")
        if not path.parent.is_dir():
            raise UsageError(f"--report {text}: the folder {path.parent} does not exist")
        targets.append(path)
    return targets
