"""rca: find the root cause of an incident in log files.

Use it from Python without the CLI::

    from rca import templates, parse, Settings
    report = templates(["sample_logs/checkout-outage/"])
"""

from importlib.metadata import PackageNotFoundError, version

from rca.errors import InputError, RcaError, SchedulerError, UsageError
from rca.model import Analysis, IngestSummary, RootCause, TemplateReport, TemplateSummary
from rca.pipeline import Parsed, analyze, parse, templates
from rca.settings import Settings

try:
    __version__ = version("rca-logs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

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
