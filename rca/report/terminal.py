"""Rich renderables for the terminal. Log text enters only as ``Text`` objects, never as markup."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from rca.baseline.model import BaselineModel
from rca.model import Analysis, Diff, Drift, IngestSummary, RootCause, TemplateChange, TemplateReport, iso
from rca.report.text import printable


def input_summary(summary: IngestSummary, *, services: int | None = None) -> RenderableType:
    """Time span, lines, records, formats, and every line that could not be fully read."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    span = f"{iso(summary.first) or '?'} .. {iso(summary.last) or '?'}"
    formats = sorted({s.format for s in summary.sources})
    grid.add_row("Sources", Text(f"{len(summary.sources)} ({', '.join(formats)})"))
    grid.add_row("Time span", Text(span))
    grid.add_row("Lines", Text(f"{summary.lines:,} lines, {summary.records:,} records"))
    if services is not None:
        grid.add_row("Services", Text(f"{services} with anomalies"))
    for label, value in _problems(summary):
        grid.add_row(label, Text(value, style="yellow"))
    return grid


def _problems(summary: IngestSummary) -> Iterable[tuple[str, str]]:
    if summary.continuation_lines:
        yield "Multi-line", f"{summary.continuation_lines:,} continuation lines joined to the record above"
    if summary.no_timestamp:
        yield "No timestamp", f"{summary.no_timestamp:,} records have no readable timestamp"
    if summary.invalid_utf8:
        yield "Invalid UTF-8", f"{summary.invalid_utf8:,} bytes replaced"
    if summary.outside_time_filter:
        yield "Filtered", f"{summary.outside_time_filter:,} records outside --since/--until"
    for skipped in summary.skipped:
        yield "Skipped", printable(f"{skipped.source}: {skipped.reason}")
    for source in summary.sources:
        for use in source.layouts:
            if use.name.startswith("learned") and use.spec:
                yield "Learned layout", printable(f"{source.source}: --log-format '{use.spec}' ({use.records:,} records)")
        for note in source.notes:
            yield "Assumed", printable(f"{source.source}: {note}")
    for note in summary.notes:
        yield "Assumed", printable(note)


def templates_table(report: TemplateReport, *, top: int | None = None) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column("Count", justify="right", no_wrap=True)
    table.add_column("Template", ratio=3, overflow="fold")
    table.add_column("Services", ratio=1, min_width=12, overflow="ellipsis", no_wrap=True)
    table.add_column("First / last seen", no_wrap=True)
    shown = report.templates[:top] if top else report.templates
    for t in shown:
        cell = Text(printable(t.template))
        cell.append("\n")
        cell.append(printable(f"e.g. {t.example.message}", limit=72), style="dim")
        services = "\n".join(t.services[:4]) + (f"\n+{len(t.services) - 4} more" if len(t.services) > 4 else "")
        seen = f"{_short(iso(t.first_seen))}\n{_short(iso(t.last_seen))}"
        table.add_row(f"{t.count:,}", cell, Text(printable(services)), seen)
    footer = Text(f"{len(shown)} of {len(report.templates)} templates", style="dim")
    return Group(input_summary(report.input), Text(""), table, footer)


def _short(stamp: str | None) -> str:
    return "-" if stamp is None else stamp.replace("T", " ").rstrip("Z")[:19]


def analysis_report(analysis: Analysis) -> RenderableType:
    """The summary, the ranked root causes, the causal chain of the first, and its example lines."""
    parts: list[RenderableType] = [input_summary(analysis.input, services=len(_services(analysis)))]
    if analysis.incident:
        window = analysis.incident
        how = {"given": "given", "errors": "found from new and rising error lines",
               "volume": "found from changes in log volume", "baseline": "all the logs, against the baseline",
               "too-short": "logs too short to locate it"}
        parts.append(Text(f"Incident: from {_short(iso(window.start))} to {_short(iso(window.end))} "
                          f"({how.get(window.method, window.method)}; {window.bucket_s:g} s buckets)", style="bold"))
    if analysis.baseline:
        used = analysis.baseline
        parts.append(Text(f"Normal: baseline {used.name}@{used.version} (learned {_short(iso(used.learned_at))}) and the "
                          f"logs before the incident; {used.unknown_records:,} records on {used.unknown_templates:,} "
                          "templates the baseline never saw"))
    parts.append(Text(""))
    if not analysis.root_causes:
        parts.append(Text("No anomaly stands out: no template changed its rate enough to name a root cause.", style="yellow"))
        return Group(*parts)
    parts.append(_causes_table(analysis.root_causes))
    top = analysis.root_causes[0]
    parts += [Text(""), Text("Most likely root cause", style="bold"), _chain(top)]
    if top.departures:
        parts += [Text(""), Text(f"How {printable(top.service)} departed from its own normal", style="bold"), _departures(top)]
    parts += [Text(""), Text(f"Example lines from {printable(top.service)}", style="bold"), _examples(top)]
    return Group(*parts)


def _services(analysis: Analysis) -> set[str]:
    return {a.service for a in analysis.anomalies} | set(analysis.services)


def _causes_table(causes: tuple[RootCause, ...]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Service", ratio=1, overflow="fold")
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Onset", no_wrap=True)
    table.add_column("What changed", ratio=3, overflow="fold")
    for cause in causes:
        change = Text(printable(cause.template, limit=160))
        change.append("\n")
        change.append(printable(cause.change.describe()), style="cyan")
        table.add_row(str(cause.rank), Text(printable(cause.service), style="bold"), f"{cause.score:.2f}",
                      _short(iso(cause.onset))[11:], change)
    return table


def _chain(cause: RootCause) -> Tree:
    label = Text(f"{printable(cause.service)}  (onset {_short(iso(cause.onset))})", style="bold red")
    if len(cause.chain) > 1:
        label.append("  " + " -> ".join(printable(s) for s in cause.chain), style="dim")
    tree = Tree(label)
    nodes: dict[tuple[str, ...], Tree] = {(cause.service,): tree}
    for effect in cause.explains:
        parent = nodes.get(effect.path[:-1], tree)
        label = Text(printable(effect.service))
        label.append(f"  +{effect.lag_s:g} s, {', '.join(effect.evidence)}", style="dim")
        nodes[effect.path] = parent.add(label)
    if not cause.explains:
        tree.add(Text("explains no other anomalous service", style="dim"))
    return tree


def _departures(cause: RootCause) -> RenderableType:
    lines = []
    for departure in cause.departures:
        text = Text(f"{_short(iso(departure.onset))[11:]}  ", style="dim")
        text.append(printable(departure.description), style="cyan")
        text.append("  ")
        text.append(printable(departure.template, limit=120))
        lines.append(text)
    return Group(*lines)


def _examples(cause: RootCause) -> RenderableType:
    lines = []
    for example in cause.examples:
        text = Text(f"{printable(example.source)}:{example.line}  ", style="dim")
        text.append(printable(example.message, limit=300))
        lines.append(text)
    return Group(*lines) if lines else Text("(no lines)", style="dim")


def diff_report(diff: Diff) -> RenderableType:
    """Both inputs' summaries and the template changes, clearest first, each with an example line."""
    parts: list[RenderableType] = [
        Text("Baseline", style="bold"), input_summary(diff.baseline), Text(""),
        Text("Target", style="bold"), input_summary(diff.target), Text(""),
    ]
    if not diff.changes:
        parts.append(Text("No template changed its share of the lines: the runs look alike.", style="green"))
        return Group(*parts)
    return Group(*parts, _changes_table(diff.changes, by_service=diff.by_service))


def _changes_table(changes: Iterable[TemplateChange], *, by_service: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Change", no_wrap=True)
    table.add_column("Lines", justify="right", no_wrap=True)
    table.add_column("Template", ratio=3, overflow="fold")
    for rank, change in enumerate(changes, 1):
        cell = Text(printable(change.template, limit=200))
        if change.service and by_service:
            cell = Text(f"{printable(change.service)}: ", style="bold") + cell
        if change.examples:
            cell.append("\n")
            cell.append(printable(f"e.g. {change.examples[0].message}", limit=160), style="dim")
        style = {"new": "red", "gone": "yellow"}.get(change.kind, "cyan")
        shares = f"{change.share_base:.1%} -> {change.share_target:.1%}"
        table.add_row(str(rank), Text(f"{change.kind}\n{shares}", style=style),
                      f"{change.count_base:,} -> {change.count_target:,}", cell)
    return table


def baseline_learned(model: BaselineModel, summary: IngestSummary) -> RenderableType:
    """What ``baseline learn`` tells on stderr: what was read, what was kept, what was left out."""
    parts: list[RenderableType] = [
        Text.assemble((model.ref, "bold"), f"  learned {_short(iso(model.learned_at))}, {model.records:,} records, "
                      f"{model.template_counts.height:,} templates"),
        input_summary(summary),
    ]
    parts.extend(_excluded(model))
    return Group(*parts)


def _excluded(model: BaselineModel) -> list[RenderableType]:
    if not model.excluded:
        return [Text("No anomalous stretch found: all of the logs count as normal.", style="green")]
    lines: list[RenderableType] = [Text(
        f"Left out of the normal rates as anomalous ({len(model.excluded)} stretch"
        f"{'es' if len(model.excluded) > 1 else ''}; their templates are still known):", style="yellow")]
    for stretch in model.excluded:
        lines.append(Text(f"  {_short(iso(stretch.start))} to {_short(iso(stretch.end))}, {stretch.records:,} records, "
                          f"score {stretch.score:g}"))
        for signal in stretch.signals:
            lines.append(Text("    " + printable(signal, limit=200), style="dim"))
    return lines


def baselines_table(models: Iterable[dict[str, object]]) -> RenderableType:
    """``baseline list``: one row per version."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    table.add_column("Baseline", no_wrap=True, style="bold")
    table.add_column("Learned")
    table.add_column("Records", justify="right")
    table.add_column("Templates", justify="right")
    table.add_column("Left out", justify="right")
    table.add_column("Logs from / to")
    for m in models:
        if "error" in m:
            table.add_row(f"{m['name']}@{m['version']}", Text("unusable", style="red"), "", "", "",
                          Text(f"see: rca baseline show {m['name']}@{m['version']}", style="red"))
            continue
        table.add_row(f"{m['name']}@{m['version']}", _short(m["learned_at"]), f"{m['records']:,}",  # type: ignore[arg-type]
                      f"{m['templates']:,}", str(m["excluded_stretches"]), f"{_short(m['first'])}\n{_short(m['last'])}")  # type: ignore[arg-type]
    return table


def baseline_details(model: BaselineModel, *, top: int = 20) -> RenderableType:
    """``baseline show``: settings, inputs, what was left out, and the most common normal templates."""
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold", no_wrap=True)
    meta.add_column(overflow="fold")
    meta.add_row("model", model.ref)
    meta.add_row("learned", f"{iso(model.learned_at)} by rca {model.tool_version}")
    meta.add_row("logs", f"{iso(model.first)} to {iso(model.last)}, {model.records:,} records, "
                         f"{model.normal_s:,.0f} s counted as normal")
    meta.add_row("templates", f"{model.template_counts.height:,} in normal logs ({len(model.tree['clusters']):,} clusters in the tree)")
    meta.add_row("series", f"{model.rates.height:,} (service, statement) series, spread per {model.bucket_s:g} s bucket")
    meta.add_row("settings", ", ".join(f"{k}={v}" for k, v in model.settings.items() if v is not None))
    meta.add_row("checksum", f"sha256 {model.checksum}")
    for item in model.inputs:
        size = "stdin" if item.bytes is None else f"{item.bytes:,} bytes, sha256 {item.sha256}"
        meta.add_row("input", Text(f"{printable(item.source)} ({size})"))
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, title="Most common normal templates")
    table.add_column("Records", justify="right", no_wrap=True)
    table.add_column("Per min", justify="right", no_wrap=True)
    table.add_column("Template", overflow="fold", ratio=3)
    per_min = 60.0 / max(model.normal_s, 1e-9)
    for row in model.template_counts.head(top).iter_rows(named=True):
        table.add_row(f"{row['count']:,}", f"{row['count'] * per_min:.3g}", Text(printable(row["template"] or "", limit=200)))
    return Group(meta, Text(""), *_excluded(model), Text(""), table)


def drift_report(drift: Drift) -> RenderableType:
    """``rca drift``: the verdict and why, the figures against their limits, and the changes."""
    style = "bold red" if drift.verdict == "drift" else "bold green"
    model = drift.model
    parts: list[RenderableType] = [
        Text.assemble(("Verdict: ", "bold"), (drift.verdict, style),
                      f"  against {model.name}@{model.version} (learned {_short(iso(model.learned_at))})"),
    ]
    parts.extend(Text(f"  {reason}", style="red") for reason in drift.reasons)
    figures = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("Figure", "Value", "Limit"):
        figures.add_column(column, justify="left" if column == "Figure" else "right", no_wrap=True)
    limits = drift.limits
    figures.add_row("records on unknown templates", f"{drift.unknown_share:.2%} ({drift.unknown_records:,} on "
                    f"{drift.unknown_templates:,} templates)", f"{limits.max_unknown_share:.2%}")
    figures.add_row("normal lines on vanished templates", f"{drift.vanished_share:.2%} ({drift.vanished_templates:,} templates)",
                    f"{limits.max_vanished_share:.2%}")
    figures.add_row("Jensen-Shannon divergence", f"{drift.js_divergence:.3f} (chance: {drift.js_by_chance:.3f})",
                    f"{limits.max_js_divergence:g}")
    figures.add_row("population stability index", f"{drift.psi:.3f}", "")
    parts += [Text(""), input_summary(drift.input), Text(""), figures]
    if drift.changes:
        parts.append(_changes_table(drift.changes, by_service=False))
    return Group(*parts)
