"""rca: find the root cause of an incident in log files.

Use it from Python without the CLI::

    from rca import templates, parse, Settings
    report = templates(["sample_logs/checkout-outage/"])
"""

import gc

# Importing Polars, NumPy and the rest makes hundreds of thousands of long-lived objects, and the
# cyclic garbage collector would walk them all several times while they load (50 ms of a small
# run): it waits until they are loaded, then leaves them out of its later walks (``gc.freeze``).
_collecting = gc.isenabled()
gc.disable()
try:
    from rca.errors import InputError, RcaError, SchedulerError, UsageError
    from rca.model import Analysis, IngestSummary, RootCause, TemplateReport, TemplateSummary
    from rca.pipeline import Parsed, analyze, parse, templates
    from rca.settings import Settings
finally:
    if _collecting:
        gc.freeze()
        gc.enable()


def __getattr__(name: str) -> str:
    # The version is looked up when asked for: importlib.metadata costs 30 ms to import, a
    # tenth of what `rca analyze` takes on a small input.
    if name == "__version__":
        from rca.baseline.model import tool_version

        return tool_version()
    raise AttributeError(f"module 'rca' has no attribute {name!r}")

__all__ = [
    "Analysis",
    "InputError",
    "IngestSummary",
    "Parsed",
    "RcaError",
    "RootCause",
    "SchedulerError",
    "Settings",
    "TemplateReport",
    "TemplateSummary",
    "UsageError",
    "__version__",
    "analyze",
    "parse",
    "templates",
]
