"""Errors the library raises; the CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class RcaError(Exception):
    """Base class: the message says what went wrong and how to fix it."""

    exit_code = 1


class UsageError(RcaError):
    """The command line or settings do not make sense (bad flag value, bad format string)."""

    exit_code = 2


class InputError(RcaError):
    """The input cannot be used: missing, unreadable, binary, or nothing left to analyse."""

    exit_code = 3


class SchedulerError(RcaError):
    """The Dask scheduler given (``--scheduler``, ``$DASK_SCHEDULER_ADDRESS``) cannot be used: it
    does not answer, is not a Dask scheduler, or Dask is not installed."""

    exit_code = 6
