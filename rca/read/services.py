"""Services: ``--service-pattern``, else what the line says (a wrapper's pod, a syslog program, a
JSON key, a ``service=NAME`` field), else the file name up to its first dot."""

from __future__ import annotations

import re

import polars as pl

from rca.read.choose import Plan
from rca.read.words import CRON_POD_SUFFIX, DAEMON_POD_SUFFIX, REPLICA_POD_SUFFIX

# A ``service=NAME`` field where a line's fields go: at the start of its message, after any other
# ``key=value`` fields. One further on is what the message is about (``Downstream call failed
# [service=twilio]: I/O error``: the service it called), not who said it.
_SERVICE_FIELD = r"^\s*(?:[\w.@-]+=(?:\"[^\"]*\"|\S*)\s+)*service=\"?([A-Za-z0-9][\w.\-]*)"
_POD_SUFFIX = rf"{REPLICA_POD_SUFFIX}$|{CRON_POD_SUFFIX}$"
_DAEMON_SUFFIX = rf"{DAEMON_POD_SUFFIX}$"
_ORDINAL = r"([A-Za-z])-\d{1,3}$"


def workload(name: pl.Expr, *, pod_field: bool = False, file_name: bool = False) -> pl.Expr:
    """Kubernetes pod names to their workload: ``ts-contacts-service-866bd68c97-xcqfx`` -> ``ts-contacts-service``,
    a CronJob's ``sync-cron-28453599-mtr74`` -> ``sync-cron``.

    ``pod_field``: the value is known to be a pod name, so DaemonSet (``-x7k2p``) and StatefulSet
    (``-0``) suffixes are stripped too. ``file_name``: the value is a file's name, which names a
    StatefulSet's pod as ``kubectl logs postgres-0 > postgres-0.log`` does: its ordinal is
    stripped (``redis-cache-2`` -> ``redis-cache``; not ``build-v1-2``, nor a date's ``-11``).
    """
    out = name.str.replace(_POD_SUFFIX, "")
    if pod_field:
        out = pl.when(out == name).then(out.str.replace(_DAEMON_SUFFIX, "").str.replace(r"-\d+$", "")).otherwise(out)
    elif file_name:
        out = out.str.replace(_ORDINAL, "$1")
    return out


def _named(field: pl.Expr, kind: str) -> pl.Expr:
    if kind == "program":
        return field.str.replace(r"\[\d+\]$", "").str.replace(r"\(.*\)$", "").str.replace(r"^.*/", "")
    if kind == "pod":
        return workload(field, pod_field=True)
    return workload(field)


def _by_kind(column: str, index: str, plan: Plan) -> pl.Expr:
    """``column`` named by the kind of service field of each row's layout (``index``)."""
    kinds: dict[str, list[int]] = {}
    for i, layout in enumerate(plan.all):
        kinds.setdefault(layout.service_kind, []).append(i)
    value = pl.col(column)
    if len(kinds) == 1:
        return _named(value, next(iter(kinds)))
    out = pl.lit(None, dtype=pl.String)
    for kind, ids in kinds.items():
        out = pl.when(pl.col(index).is_in(ids)).then(_named(value, kind)).otherwise(out)
    return out


def service_expr(plan: Plan, *, stem_service: str | pl.Expr, service_pattern: str | None) -> pl.Expr:
    """Each record's service (see the module docstring); ``raw`` must still hold every line.
    ``stem_service``: the file's name up to its first dot (an expression where the lines of
    several files are read together)."""
    candidates = []
    if service_pattern:
        index = re.compile(service_pattern).groupindex["service"]
        candidates.append(pl.col("raw").str.extract(service_pattern, index))
    candidates += [
        _by_kind("outer_service", "outer", plan).replace("-", None),
        _by_kind("service", "layout", plan).replace("-", None),
        # A line without a header has no message yet (records.join_continuations gives it one).
        workload(pl.coalesce("message", "raw").str.extract(_SERVICE_FIELD, 1)),
        workload(stem_service if isinstance(stem_service, pl.Expr) else pl.lit(stem_service), file_name=True),
    ]
    return pl.coalesce(candidates)
