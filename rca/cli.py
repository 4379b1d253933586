"""The ``rca`` command: flags to Settings, results to stdout, messages to stderr, errors to exit codes.

Exit codes: 0 done; 1 internal error (a bug: please report it); 2 usage error (bad flag or
value); 3 no usable input (missing, unreadable or binary file, nothing to analyse); 4 a baseline
model that cannot be used (missing, corrupt, tampered with, incompatible); 5 ``rca drift`` found drift;
6 the Dask scheduler of ``--scheduler`` cannot be used (no answer, no workers, Dask not installed).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import click
import polars as pl
from rich.console import Console

from rca import pipeline
from rca.errors import InputError, RcaError, UsageError
from rca.read.timestamps import check_zone, parse_user_time
from rca.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INPUT = 0, 1, 2, 3


def _stdout_console() -> Console:
    no_colour = "NO_COLOR" in os.environ or not sys.stdout.isatty()
    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    return Console(no_color=no_colour, highlight=False, soft_wrap=False, width=width, emoji=False)


def _fail(message: str, code: int) -> None:
    click.echo(f"rca: error: {message}", err=True)
    sys.exit(code)


def _friendly_errors(command: F) -> F:
    """Library errors become one line on stderr and their exit code; nothing prints a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RcaError as exc:
            _fail(str(exc), exc.exit_code)
        except OSError as exc:
            if not _is_broken_pipe(exc):
                _fail(f"{exc.strerror or exc}", EXIT_INPUT)
            # `rca parse ... | head`: the reader left; that is not an error.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except pl.exceptions.ComputeError as exc:
            _fail(f"could not process the input: {str(exc).splitlines()[0]}", EXIT_INPUT)
        except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
            if os.environ.get("RCA_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with RCA_DEBUG=1 for details)", EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _is_broken_pipe(exc: OSError) -> bool:
    # Python raises BrokenPipeError; Polars' writers raise a plain OSError naming os error 32.
    return isinstance(exc, BrokenPipeError) or "os error 32" in str(exc) or "Broken pipe" in str(exc)


def _check_service_pattern(pattern: str | None) -> str | None:
    if pattern is None:
        return None
    if "(?P<service>" not in pattern:
        raise UsageError("--service-pattern needs a named group: (?P<service>...)")
    try:
        pl.select(pl.lit("probe").str.extract(pattern, 1))
        re.compile(pattern)
    except (pl.exceptions.PolarsError, re.error) as exc:
        raise UsageError(f"--service-pattern is not a valid regex: {str(exc).splitlines()[0]}") from None
    return pattern


def _log_format(value: str | None) -> str | None:
    """``--log-format``: a spec, or ``@FILE`` holding one (as ``rca parse --explain`` prints it)."""
    if value is None or not value.startswith("@"):
        return value
    try:
        text = open(value[1:], encoding="utf-8").read().strip()  # noqa: SIM115 - read at once
    except OSError as exc:
        raise UsageError(f"--log-format {value}: cannot read {value[1:]}: {exc.strerror or exc}") from None
    spec = text.splitlines()[0].strip() if text else text
    if len(spec) > 1 and spec[0] == spec[-1] and spec[0] in "'\"":
        spec = spec[1:-1]  # as rca parse --explain quotes it for a shell
    return spec


def _settings(options: dict[str, Any]) -> Settings:
    tz = check_zone(options.get("tz") or "UTC")
    since = parse_user_time(options["since"], tz=tz) if options.get("since") else None
    until = parse_user_time(options["until"], tz=tz) if options.get("until") else None
    if since and until and since >= until:
        raise UsageError("--since must be earlier than --until")
    year = options.get("year")
    if year is not None and not 1 <= year <= 9999:
        raise UsageError(f"--year {year} is not a year")
    return Settings(
        log_format=_log_format(options.get("log_format")),
        timestamp_format=options.get("timestamp_format"),
        service_pattern=_check_service_pattern(options.get("service_pattern")),
        since=since,
        until=until,
        year=year,
        tz=tz,
    )


def _sources(given: tuple[str, ...]) -> list[str]:
    if given:
        return list(given)
    if not sys.stdin.isatty():
        return ["-"]
    raise UsageError("give log files, folders or globs, or pipe logs in (use - for stdin)")


def reading_options(command: F) -> F:
    """The flags every command that reads logs shares, and its SOURCES."""
    return click.argument("sources", nargs=-1, metavar="[SOURCES]...")(reading_options_without_sources(command))


def reading_options_without_sources(command: F) -> F:
    """The flags every command that reads logs shares."""
    options = [
        click.option("--since", metavar="TIME", help="Only records at or after TIME: 2026-11-23T10:00, or 1h / 30m ago."),
        click.option("--until", metavar="TIME", help="Only records before TIME (same forms as --since)."),
        click.option(
            "--log-format",
            metavar="FORMAT",
            help="Loghub-style line layout, overriding detection: '<Date> <Time> <Level> <Component>: <Content>', "
            "or @FILE holding one (rca parse --explain prints the one learned).",
        ),
        click.option("--timestamp-format", metavar="STRFTIME", help="How to read the timestamp, e.g. '%d/%m/%Y %H:%M:%S'."),
        click.option(
            "--service-pattern", metavar="REGEX", help="Regex with a (?P<service>...) group, applied to each line."
        ),
        click.option(
            "--year", type=int,
            help="Year of timestamps that have none (syslog, klog); default: the file's modification year, or the "
            "other sources' years.",
        ),
        click.option(
            "--tz", metavar="ZONE",
            help="Time zone of timestamps that do not say theirs, e.g. Europe/Paris (default UTC); also for --since/--until.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def scheduler_option(command: F) -> F:
    """``--scheduler``: read and mask on a Dask cluster (default ``$DASK_SCHEDULER_ADDRESS``)."""
    return click.option(
        "--scheduler", metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS", show_envvar=True,
        help="Read and mask the logs on the workers of this Dask scheduler, e.g. tcp://host:8786 "
             "(needs pip install 'rca-logs[dask]'); without it, everything runs here.",
    )(command)


def _with_scheduler(settings: Settings, scheduler: str | None) -> Settings:
    return replace(settings, scheduler=scheduler.strip() or None) if scheduler else settings


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rca-logs", prog_name="rca")
def main() -> None:
    """Find the root cause of an incident in log files.

    Exit codes: 0 done, 1 internal error, 2 usage error, 3 no usable input, 4 unusable baseline
    model, 5 drift found (rca drift), 6 cannot use the Dask scheduler (--scheduler).
    """


@main.command()
@reading_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output) instead of a table.")
@click.option("--top", type=click.IntRange(min=1), help="Show only the N most frequent templates.")
@scheduler_option
@_friendly_errors
def templates(sources: tuple[str, ...], as_json: bool, top: int | None, scheduler: str | None, **options: Any) -> None:
    """List the templates in logs: count, services, first/last seen, an example.

    \b
    Examples:
      rca templates sample_logs/checkout-outage/
      rca templates app.log.gz --json
      kubectl logs deploy/api | rca templates -
      rca templates 'logs/**/*.log' --since 2026-11-23T10:00 --until 2026-11-23T11:00
      rca templates /shared/logs/ --scheduler tcp://dask-scheduler:8786
    """
    with _progress() as status:
        report = pipeline.templates(_sources(sources), _with_scheduler(_settings(options), scheduler), progress=status)
    if as_json:
        data = report.to_dict()
        if top:
            data["templates"] = data["templates"][:top]  # type: ignore[index]
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    from rca.report.terminal import templates_table

    _stdout_console().print(templates_table(report, top=top))


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """A spinner with the current stage on stderr (and, while reading, the lines read and lines
    per second), only when stderr is a terminal: off in pipes, CI logs and ``TERM=dumb``."""
    if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        yield lambda stage: None
        return
    console = Console(stderr=True)
    with console.status("rca: starting") as status:
        yield lambda stage: status.update(f"rca: {stage}")


def _time_flag(flag: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_user_time(value)
    except UsageError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _duration(value: str | None) -> timedelta | None:
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*", value)
    if not match or float(match.group(1)) <= 0:
        raise UsageError(f"--bucket must be a positive duration like 10s, 1m or 1h, not {value!r}")
    unit = {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    return timedelta(seconds=float(match.group(1)) * unit)


def store_option(command: F) -> F:
    return click.option(
        "--store", metavar="DIR",
        help="The folder of learned baselines (default: $RCA_STORE, else ~/.local/share/rca/baselines).",
    )(command)


def _store(store: str | None) -> Any:
    from pathlib import Path

    from rca.baseline.model import Store

    return Store(Path(store) if store else None)


def _split_baselines(given: tuple[str, ...], store: str | None) -> tuple[Any, tuple[str, ...]]:
    """``--baseline`` values: at most one learned model (a name, name@version or model file), or logs."""
    import glob
    from pathlib import Path

    from rca.baseline.model import NAME, is_model_file, resolve_model

    models, logs = [], []
    for value in given:
        path = Path(value)
        if path.is_file() and is_model_file(path):
            models.append(value)
        elif value == "-" or path.exists() or glob.has_magic(value):
            logs.append(value)
        elif NAME.fullmatch(value.partition("@")[0]):
            models.append(value)
        else:
            raise InputError(f"--baseline {value}: no such file or folder, and not a baseline name")
    if len(models) > 1 or (models and logs):
        raise UsageError("--baseline takes one learned baseline, or known-good logs, not both or several baselines")
    return (resolve_model(models[0], _store(store)) if models else None), tuple(logs)


def report_options(command: F) -> F:
    """``--report`` and ``--report-stamp``, shared by ``analyze`` and ``report``."""
    command = click.option("--report-stamp", is_flag=True,
                           help="Put the generation time in reports (without it, the same input gives the same bytes).")(command)
    return click.option("--report", "report", multiple=True, metavar="FILE",
                        help="Write a postmortem report: FILE.html (self-contained) or FILE.md (pictures in "
                             "FILE_files/ beside it); may be repeated.")(command)


@main.command()
@reading_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: JSON output) instead of the report.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="How many root causes to list.")
@click.option("--baseline", "baseline", multiple=True, metavar="NAME[@V]|PATH",
              help="What normal looks like: a learned baseline (rca baseline learn) by name, name@version or model "
                   "file; or known-good logs (files, folders, globs; may be repeated). An existing path is read as logs.")
@click.option("--incident-start", metavar="TIME", help="When the incident started, if known (else found from the logs).")
@click.option("--bucket", metavar="DURATION", help="Time bucket for counting, e.g. 10s, 1m (default: from the time span).")
@report_options
@store_option
@scheduler_option
@_friendly_errors
def analyze(sources: tuple[str, ...], as_json: bool, top: int, baseline: tuple[str, ...],
            incident_start: str | None, bucket: str | None, report: tuple[str, ...], report_stamp: bool,
            store: str | None, scheduler: str | None, **options: Any) -> None:
    """Find the probable root causes of an incident, with their evidence.

    Exit code 0 means the analysis ran, whether or not it found a root cause.

    \b
    Examples:
      rca analyze logs/
      rca analyze merged.log.gz --top 5
      kubectl logs deploy/api | rca analyze -
      rca analyze logs/ --baseline good-logs/
      rca analyze logs/ --baseline checkout        # a learned baseline; or checkout@2
      rca analyze logs/ --incident-start 2026-11-23T10:42:00Z
      rca analyze logs/ --json | jq '.root_causes[0]'
      rca analyze logs/ --report postmortem.html
      rca analyze /shared/logs/ --scheduler tcp://dask-scheduler:8786
    """
    targets = _report_targets(report)
    model, logs = _split_baselines(baseline, store)
    settings = replace(
        _with_scheduler(_settings(options), scheduler),
        top=top,
        baseline=logs,
        incident_start=_time_flag("--incident-start", incident_start),
        bucket=_duration(bucket),
    )
    with _progress() as status:
        analysis = pipeline.analyze(_sources(sources), settings, model=model, progress=status)
    if as_json:
        click.echo(json.dumps(analysis.to_dict(), ensure_ascii=False))
    else:
        from rca.report.terminal import analysis_report

        _stdout_console().print(analysis_report(analysis))
    if targets:
        _write_reports(analysis, targets, report_stamp)
    _warn_about_input(analysis.input)


@main.command()
@click.argument("analysis_json", metavar="ANALYSIS.json")
@report_options
@_friendly_errors
def report(analysis_json: str, report: tuple[str, ...], report_stamp: bool) -> None:
    """Write postmortem reports from saved `rca analyze --json` output, without analysing again.

    ANALYSIS.json may be - for standard input. With no --report, the terminal report is printed.

    \b
    Examples:
      rca analyze logs/ --json > analysis.json
      rca report analysis.json --report postmortem.html
      rca report analysis.json --report postmortem.md --report postmortem.html
    """
    from rca.report.postmortem import load_analysis, report_targets

    targets = report_targets(report)
    if analysis_json == "-":
        text = sys.stdin.read()
    else:
        try:
            text = open(analysis_json, encoding="utf-8").read()  # noqa: SIM115 - read at once
        except FileNotFoundError:
            raise InputError(f"{analysis_json}: no such file") from None
        except UnicodeDecodeError:
            raise InputError(f"{analysis_json}: not UTF-8 text; save it with rca analyze --json") from None
    analysis = load_analysis(text, name=analysis_json)
    if targets:
        _write_reports(analysis, targets, report_stamp)
    else:
        from rca.report.terminal import analysis_report

        _stdout_console().print(analysis_report(analysis))


def _report_targets(paths: tuple[str, ...]) -> list[Any]:
    """The checked ``--report`` paths; the report writer (and what it imports) loads only when there are some."""
    if not paths:
        return []
    from rca.report.postmortem import report_targets

    return report_targets(paths)


def _write_reports(analysis: Any, targets: list[Any], stamp: bool) -> None:
    from rca.report.postmortem import write_reports

    generated = datetime.now(UTC) if stamp else None
    for target, written in zip(targets, write_reports(analysis, targets, generated=generated), strict=True):
        extra = f" (and {len(written) - 1} pictures in {written[1].parent})" if len(written) > 1 else ""
        click.echo(f"rca: wrote {target}{extra}", err=True)


@main.command()
@click.argument("baseline", metavar="BASELINE")
@click.argument("target", metavar="TARGET")
@reading_options_without_sources
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: rca diff) instead of a table.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many changes to list.")
@_friendly_errors
def diff(baseline: str, target: str, as_json: bool, top: int, **options: Any) -> None:
    """What is new, gone, or changed most in TARGET's logs against BASELINE's (a good run's).

    Each is a file, folder or glob. Templates are mined from both together, so they match; a
    template's share of all lines is compared, so a longer or busier run does not shift them all.

    \b
    Examples:
      rca diff build-1041.log build-1042.log
      rca diff good-logs/ bad-logs/ --json | jq '.changes[0]'
    """
    found = pipeline.diff([baseline], [target], _settings(options), top=top)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False))
    else:
        from rca.report.terminal import diff_report

        _stdout_console().print(diff_report(found))


@main.group()
def baseline() -> None:
    """Learn what normal looks like, keep it as a versioned model, and list or show the models.

    \b
    Examples:
      rca baseline learn good-logs/ --name checkout
      rca baseline list
      rca baseline show checkout@3
      rca analyze incident/ --baseline checkout
      rca drift checkout today/
    """


@baseline.command("learn")
@reading_options
@click.option("--name", required=True, help="The baseline's name; each learn under it adds a version.")
@click.option("--bucket", metavar="DURATION", help="Time bucket for the rates' spread (default: from the time span).")
@click.option("--json", "as_json", is_flag=True, help="Print the new model's summary as JSON instead of NAME@VERSION.")
@store_option
@_friendly_errors
def baseline_learn(sources: tuple[str, ...], name: str, bucket: str | None, as_json: bool, store: str | None,
                   **options: Any) -> None:
    """Learn a baseline from known-good logs and save it as the next version of NAME.

    Prints NAME@VERSION on stdout; what was read and what was left out go to stderr. Stretches
    that look like an incident (error templates bursting, steady services going quiet) are left
    out of the normal rates, and said so.
    """
    from rca.baseline.model import learn

    settings = replace(_settings(options), bucket=_duration(bucket))
    target = _store(store)
    with _progress() as status:
        learned = learn(_sources(sources), settings, name=name, progress=status)
    model = target.save(learned.model)
    from rca.report.terminal import baseline_learned

    Console(stderr=True, highlight=False, emoji=False).print(baseline_learned(model, learned.input))
    click.echo(f"rca: saved {target.path(model.name, model.version)}", err=True)
    click.echo(json.dumps(model.summary(), ensure_ascii=False) if as_json else model.ref)
    _warn_about_input(learned.input)


@baseline.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of model summaries.")
@store_option
@_friendly_errors
def baseline_list(as_json: bool, store: str | None) -> None:
    """List the baselines in the store: every version, when learned, records, templates.

    A version that cannot be used (corrupt, edited, incompatible) is listed with the reason.
    """
    target = _store(store)
    models = target.entries()
    if as_json:
        click.echo(json.dumps({"schema_version": 1, "kind": "baselines", "store": str(target.root), "baselines": models}))
        return
    if not models:
        click.echo(f"rca: no baselines in {target.root} (learn one with: rca baseline learn LOGS --name NAME)", err=True)
        return
    from rca.report.terminal import baselines_table

    _stdout_console().print(baselines_table(models))


@baseline.command("show")
@click.argument("ref", metavar="NAME[@VERSION]")
@click.option("--json", "as_json", is_flag=True, help="Print the model's summary, inputs, settings and what was left out.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many normal templates to list.")
@store_option
@_friendly_errors
def baseline_show(ref: str, as_json: bool, top: int, store: str | None) -> None:
    """Show one baseline: inputs and their hashes, settings, what was left out, common templates."""
    from rca.baseline.model import resolve_model

    model = resolve_model(ref, _store(store))
    if as_json:
        body = model.body()
        data = {"schema_version": 1, "kind": "baseline", **model.summary(),
                **{k: body[k] for k in ("settings", "inputs", "excluded", "bucket_s", "normal_s")},
                "top_templates": model.template_counts.head(top).to_dicts()}
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    from rca.report.terminal import baseline_details

    _stdout_console().print(baseline_details(model, top=top))


EXIT_DRIFT = 5


@main.command()
@click.argument("ref", metavar="NAME[@VERSION]")
@reading_options
@click.option("--max-unknown", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Drift if more than this share of records are on templates the baseline never saw.")
@click.option("--max-vanished", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Drift if templates making up more than this share of normal lines vanished.")
@click.option("--max-js", type=click.FloatRange(0, 1), default=0.1, show_default=True,
              help="Drift if the Jensen-Shannon divergence of template frequencies is over this.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="How many template changes to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see README: rca drift) instead of the report.")
@store_option
@_friendly_errors
def drift(ref: str, sources: tuple[str, ...], max_unknown: float, max_vanished: float, max_js: float, top: int,
          as_json: bool, store: str | None, **options: Any) -> None:
    """How far logs have drifted from a learned baseline's templates: new, vanished, shifted.

    Exit code 0: within the limits ("stable"); 5: drift; other codes are errors as usual.

    \b
    Examples:
      rca drift checkout today/
      rca drift checkout@2 app.log --max-unknown 0.01 --json
    """
    from rca.baseline.model import resolve_model
    from rca.model import DriftLimits

    model = resolve_model(ref, _store(store))
    limits = DriftLimits(max_unknown, max_vanished, max_js)
    found = pipeline.drift(model, _sources(sources), _settings(options), limits, top=top)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False))
    else:
        from rca.report.terminal import drift_report

        _stdout_console().print(drift_report(found))
    _warn_about_input(found.input)
    if found.verdict == "drift":
        sys.exit(EXIT_DRIFT)


PARSE_COLUMNS = ("source", "line", "timestamp", "service", "level", "component", "template_id", "template", "message", "params", "body")


@main.command()
@reading_options
@click.option(
    "--output", "-o", "output", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
    help="jsonl: one JSON object per record; csv: like Loghub's structured files (params as a JSON list).",
)
@click.option("--explain", is_flag=True, help="Print how each source was read (layouts, assumptions) instead of records.")
@_friendly_errors
def parse(sources: tuple[str, ...], output: str, explain: bool, **options: Any) -> None:
    """One structured record per log record, in input order, with its template and parameters.

    \b
    Examples:
      rca parse app.log --output jsonl > events.jsonl
      rca parse app.log --output csv
      rca parse sample_logs/checkout-outage/ | jq 'select(.level == "ERROR")'
      rca parse odd.log --explain                  # the layouts found or learned, and what was assumed
      rca parse odd.log --log-format @odd.format   # a learned layout saved to a file, given back
    """
    if explain:
        parsed = pipeline.parse(_sources(sources), _settings(options))
        click.echo(_explanation(parsed.input), nl=False)
        _warn_about_input(parsed.input)
        return
    with _progress() as status:
        parsed = pipeline.parse(_sources(sources), _settings(options), params=True, progress=status)
    frame = parsed.records.select(PARSE_COLUMNS).with_columns(
        pl.col("timestamp").dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ"),
        pl.col("level").cast(pl.String),
    )
    out = sys.stdout.buffer
    if output == "csv":
        params_json = pl.struct(p=pl.col("params")).struct.json_encode().str.slice(5).str.strip_suffix("}")
        frame.with_columns(params=params_json).write_csv(out)
    else:
        frame.write_ndjson(out)
    out.flush()
    _warn_about_input(parsed.input)


def _explanation(summary: Any) -> str:
    """How each source was read, as text: its layouts with their record counts, a spec that
    ``--log-format`` takes back for each learned one, and what was assumed."""
    lines = []
    for source in summary.sources:
        lines.append(f"{source.source}: {source.lines:,} lines, {source.records:,} records, "
                     f"{source.continuation_lines:,} continuation lines, {source.no_timestamp:,} without a timestamp")
        for use in source.layouts:
            lines.append(f"  {use.records:>9,} records  {use.name}")
            if use.spec:
                lines.append(f"  --log-format {_shell_quote(use.spec)}")
        lines += [f"  assumed: {note}" for note in source.notes]
    lines += [f"assumed: {note}" for note in summary.notes]
    return "\n".join(lines) + "\n"


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _warn_about_input(summary: Any) -> None:
    for skipped in summary.skipped:
        click.echo(f"rca: skipped {skipped.source}: {skipped.reason}", err=True)
    if summary.no_timestamp:
        click.echo(f"rca: {summary.no_timestamp} records have no readable timestamp", err=True)


if __name__ == "__main__":
    main()
