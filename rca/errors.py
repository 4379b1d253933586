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
