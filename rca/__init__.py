"""rca: find the root cause of an incident in log files.

Use it from Python without the CLI::

    from rca import templates, parse, Settings
    report = templates(["sample_logs/checkout-outage/"])
"""

from rca.errors import InputError, RcaError, UsageError
from rca.model import IngestSummary, TemplateReport, TemplateSummary
from rca.pipeline import Parsed, parse, templates
from rca.settings import Settings

__all__ = [
    "InputError",
    "IngestSummary",
    "Parsed",
    "RcaError",
    "Settings",
    "TemplateReport",
    "TemplateSummary",
    "UsageError",
    "parse",
    "templates",
]
