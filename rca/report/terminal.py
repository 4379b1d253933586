"""Rich renderables for the terminal. Log text enters only as ``Text`` objects, never as markup."""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from rca.model import IngestSummary, TemplateReport, iso
from rca.report.text import printable


def input_summary(summary: IngestSummary) -> RenderableType:
    """Time span, lines, records, formats, and every line that could not be fully read."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    span = f"{iso(summary.first) or '?'} .. {iso(summary.last) or '?'}"
    formats = sorted({s.format for s in summary.sources})
    grid.add_row("Sources", Text(f"{len(summary.sources)} ({', '.join(formats)})"))
    grid.add_row("Time span", Text(span))
    grid.add_row("Lines", Text(f"{summary.lines:,} lines, {summary.records:,} records"))
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
