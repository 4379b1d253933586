"""Rich renderables for the terminal. Log text enters only as ``Text`` objects, never as markup."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from rca.model import Analysis, Diff, IngestSummary, RootCause, TemplateReport, iso
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
    parts.append(Text(""))
    if not analysis.root_causes:
        parts.append(Text("No anomaly stands out: no template changed its rate enough to name a root cause.", style="yellow"))
        return Group(*parts)
    parts.append(_causes_table(analysis.root_causes))
    top = analysis.root_causes[0]
    parts += [Text(""), Text("Most likely root cause", style="bold"), _chain(top)]
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
    tree = Tree(Text(f"{printable(cause.service)}  (onset {_short(iso(cause.onset))})", style="bold red"))
    nodes: dict[tuple[str, ...], Tree] = {(cause.service,): tree}
    for effect in cause.explains:
        parent = nodes.get(effect.path[:-1], tree)
        label = Text(printable(effect.service))
        label.append(f"  +{effect.lag_s:g} s, {', '.join(effect.evidence)}", style="dim")
        nodes[effect.path] = parent.add(label)
    if not cause.explains:
        tree.add(Text("explains no other anomalous service", style="dim"))
    return tree


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
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Change", no_wrap=True)
    table.add_column("Lines", justify="right", no_wrap=True)
    table.add_column("Template", ratio=3, overflow="fold")
    for rank, change in enumerate(diff.changes, 1):
        cell = Text(printable(change.template, limit=200))
        if change.service and diff.by_service:
            cell = Text(f"{printable(change.service)}: ", style="bold") + cell
        if change.examples:
            cell.append("\n")
            cell.append(printable(f"e.g. {change.examples[0].message}", limit=160), style="dim")
        style = {"new": "red", "gone": "yellow"}.get(change.kind, "cyan")
        shares = f"{change.share_base:.1%} -> {change.share_target:.1%}"
        table.add_row(str(rank), Text(f"{change.kind}\n{shares}", style=style),
                      f"{change.count_base:,} -> {change.count_target:,}", cell)
    return Group(*parts, table)
