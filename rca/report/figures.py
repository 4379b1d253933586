"""The report's pictures, drawn with matplotlib as SVG from an ``Analysis`` alone.

SVGs are deterministic (fixed hash salt, no date in the metadata) and self-contained: text is
drawn as paths, so they need no fonts. Figures are built on ``matplotlib.figure.Figure``, not
pyplot, so nothing global changes and no display is needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta

import networkx as nx

from rca.model import Analysis, RootCause, ServiceRates, Timeline
from rca.report.text import printable

MAX_PANELS = 6  # services drawn in the timeline; the rest are summed into one panel
LINES, ERRORS, INCIDENT, ONSET = "#4c72b0", "#c44e52", "#f2c14e", "#222222"
_RC = {
    "svg.hashsalt": "rca",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _label(text: str, limit: int = 60) -> str:
    # Log text: printable, and no "$" that matplotlib would read as mathtext.
    return printable(text, limit=limit).replace("$", r"\$")


def _svg(figure: object) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")  # type: ignore[attr-defined]
    return buffer.getvalue()


def _figure(width: float, height: float) -> object:
    import matplotlib

    with matplotlib.rc_context(_RC):
        from matplotlib.figure import Figure

        return Figure(figsize=(width, height), layout="constrained")


def _times(timeline: Timeline) -> list[datetime]:
    n = len(timeline.services[0].lines) if timeline.services else 0
    # Naive UTC: matplotlib's date axis then labels in UTC whatever the machine's zone.
    origin = timeline.origin.replace(tzinfo=None)
    return [origin + timedelta(seconds=i * timeline.bucket_s) for i in range(n)]


def _per_minute(counts: Sequence[int], bucket_s: float) -> list[float]:
    return [c * 60.0 / bucket_s for c in counts]


def _naive(ts: datetime) -> datetime:
    return ts.replace(tzinfo=None) if ts.tzinfo else ts


def _decorate(axes: object, analysis: Analysis, onsets: Sequence[datetime]) -> None:
    """Shade the incident window, mark onsets and label the time axis on one panel."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)  # type: ignore[attr-defined]
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[attr-defined]
    if analysis.incident is not None:
        axes.axvspan(_naive(analysis.incident.start), _naive(analysis.incident.end),  # type: ignore[attr-defined]
                     color=INCIDENT, alpha=0.25, lw=0)
    for onset in onsets:
        axes.axvline(_naive(onset), color=ONSET, lw=1, ls="--")  # type: ignore[attr-defined]


def _panels(analysis: Analysis, timeline: Timeline) -> list[ServiceRates]:
    """The services to draw: root causes first, then the graph's, then the busiest; the rest summed."""
    order = [c.service for c in analysis.root_causes] + list(analysis.services)
    order += [s.service for s in sorted(timeline.services, key=lambda s: -sum(s.lines))]
    by_name = {s.service: s for s in timeline.services}
    shown: list[str] = []
    for name in order:
        if name in by_name and name not in shown:
            shown.append(name)
    if len(shown) <= MAX_PANELS:
        return [by_name[name] for name in shown]
    kept, rest = shown[: MAX_PANELS - 1], [by_name[name] for name in shown[MAX_PANELS - 1 :]]
    other = ServiceRates(
        f"{len(rest)} other services",
        tuple(map(sum, zip(*(s.lines for s in rest), strict=True))),
        tuple(map(sum, zip(*(s.errors for s in rest), strict=True))),
    )
    return [by_name[name] for name in kept] + [other]


def timeline_svg(analysis: Analysis) -> str | None:
    """Log lines per minute of each service (errors in red), incident shaded, causes' onsets marked."""
    timeline = analysis.timeline
    if timeline is None or not timeline.services:
        return None
    panels = _panels(analysis, timeline)
    times = _times(timeline)
    figure = _figure(8, 0.3 + 1.15 * len(panels))
    axes_list = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]  # type: ignore[attr-defined]
    for axes, rates in zip(axes_list, panels, strict=True):
        lines = _per_minute(rates.lines, timeline.bucket_s)
        errors = _per_minute(rates.errors, timeline.bucket_s)
        axes.fill_between(times, lines, step="post", color=LINES, alpha=0.35, lw=0, label="lines")
        axes.fill_between(times, errors, step="post", color=ERRORS, alpha=0.9, lw=0, label="errors")
        onsets = [c.onset for c in analysis.root_causes if c.service == rates.service]
        _decorate(axes, analysis, onsets)
        axes.set_ylabel("/min")
        axes.set_title(_label(rates.service, 40), loc="left", fontsize=9, fontweight="bold")
        axes.set_ylim(bottom=0)
    axes_list[0].legend(loc="upper left", fontsize=7, frameon=False, ncols=2)
    axes_list[-1].set_xlabel("time (UTC)")
    return _svg(figure)


def evidence_svg(analysis: Analysis, cause: RootCause) -> str | None:
    """The rate of a root cause's evidence template over the whole span, incident shaded."""
    timeline = analysis.timeline
    if timeline is None or not cause.series:
        return None
    figure = _figure(8, 1.9)
    axes = figure.subplots()  # type: ignore[attr-defined]
    times = _times(timeline)
    axes.fill_between(times, _per_minute(cause.series, timeline.bucket_s), step="post", color=ERRORS
                      if cause.change.kind in ("new", "up") else LINES, alpha=0.8, lw=0)
    _decorate(axes, analysis, [cause.onset])
    axes.set_ylim(bottom=0)
    axes.set_ylabel("lines /min")
    axes.set_xlabel("time (UTC)")
    axes.set_title(_label(f"{cause.service}: {cause.template}", 90), loc="left", fontsize=9)
    return _svg(figure)


def _layers(graph: nx.DiGraph) -> dict[str, int]:
    """Left to right: causes before their effects (cycles collapsed), ties by name."""
    condensed = nx.condensation(graph)
    layer = {}
    for depth, generation in enumerate(nx.topological_generations(condensed)):
        for component in generation:
            for node in condensed.nodes[component]["members"]:
                layer[node] = depth
    return layer


def graph_svg(analysis: Analysis) -> str | None:
    """The causal graph: services left to right, causes first, each edge with its lag and evidence."""
    if not analysis.services:
        return None
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(analysis.services))
    for edge in analysis.edges:
        graph.add_edge(edge.cause, edge.effect, label=f"+{edge.lag_s:g} s\n{', '.join(edge.evidence)}")
    for node, layer in _layers(graph).items():
        graph.nodes[node]["layer"] = layer
    positions = nx.multipartite_layout(graph, subset_key="layer", align="vertical")
    layers = max(nx.get_node_attributes(graph, "layer").values()) + 1
    figure = _figure(min(8, 2.2 + 2.2 * layers), 0.6 + 0.7 * max(2, graph.number_of_nodes() / layers))
    axes = figure.subplots()  # type: ignore[attr-defined]
    axes.set_axis_off()
    top = analysis.root_causes[0].service if analysis.root_causes else None
    nx.draw_networkx_edges(graph, positions, ax=axes, arrows=True, arrowsize=14, edge_color="#555555",
                           node_size=2600, connectionstyle="arc3,rad=0.08")
    for node in graph.nodes:
        box = {"boxstyle": "round,pad=0.4", "fc": ERRORS if node == top else "#eeeeee", "ec": "#555555"}
        nx.draw_networkx_labels(graph, positions, ax=axes, labels={node: _label(node, 22)}, font_size=8, bbox=box,
                                font_color="white" if node == top else "black")
    nx.draw_networkx_edge_labels(graph, positions, ax=axes, font_size=7,
                                 edge_labels={(a, b): d["label"] for a, b, d in graph.edges(data=True)},
                                 connectionstyle="arc3,rad=0.08")
    axes.margins(0.18, 0.35)
    return _svg(figure)
