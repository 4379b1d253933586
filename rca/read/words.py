"""The vocabulary of log headers that every reading step shares: level words, month and weekday
names, time-zone abbreviations, and the shape of Kubernetes pod names."""

from __future__ import annotations

import polars as pl

LEVELS: tuple[str, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
LEVEL_DTYPE = pl.Enum(LEVELS)

# Words that name a level in a header, as written by common loggers (Serilog's and zerolog's
# three-letter abbreviations included); single letters are left to layouts that expect them.
LEVEL_WORD = (
    r"(?i:trace|trc|vrb|finest|finer|fine|debug|dbg|config|verbose|info|inf|information|informational|notice|"
    r"warn|wrn|warning|error|err|eror|severe|failure|crit|critical|crt|fatal|ftl|alert|emerg|emergency|panic)"
)


def _trie(words: set[str], prefix: str = "") -> str:
    """``words`` starting with ``prefix``, as a regex of what may follow it: one branch per next
    letter, the longest word preferred (``inf(?:o(?:rmation(?:al)?)?)?``)."""
    nexts = sorted({w[len(prefix)] for w in words if w.startswith(prefix) and len(w) > len(prefix)})
    branches = [letter + _trie(words, prefix + letter) for letter in nexts]
    if not branches:
        return ""
    inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{inner})?" if prefix in words else inner


# The same words as a tree: a regex engine never has two ways to go on reading it, so its fastest
# capture engine (one pass) can read a header that holds it, several times faster. It prefers
# longer words where LEVEL_WORD prefers its order (``info`` before ``information``): the two read
# alike only where the level is followed by something no word goes on with (rca.read.fields).
LEVEL_TREE = "(?i:" + _trie(set(LEVEL_WORD[4:-1].split("|"))) + ")"
# Redis writes a symbol for its level: ``.`` debug, ``-`` verbose, ``*`` notice, ``#`` warning.
_LEVEL_ALIASES = {
    "TRACE": ("trace", "trc", "vrb", "finest", "finer", "verbose", "v", "10"),
    "DEBUG": ("debug", "dbg", "fine", "config", "d", "20", "7", ".", "-"),
    "INFO": ("info", "inf", "information", "informational", "notice", "i", "30", "6", "5", "*"),
    "WARN": ("warn", "wrn", "warning", "w", "40", "4", "#"),
    "ERROR": ("error", "err", "eror", "severe", "failure", "e", "50", "3"),
    "FATAL": (
        "fatal", "ftl", "crit", "critical", "crt", "alert", "emerg", "emergency", "panic", "f", "a", "wtf", "60",
        "2", "1", "0",
    ),
}  # fmt: skip
LEVEL_OF_WORD = {alias: level for level, aliases in _LEVEL_ALIASES.items() for alias in aliases}

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NUMBER = {name: i + 1 for i, name in enumerate(MONTHS)} | {"sept": 9}
MONTH_WORD = r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
WEEKDAY_WORD = r"(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*"

# Zone abbreviations read after a time, with their offset from UTC in minutes. Some are ambiguous
# (CST, IST, BST): the reading chosen is the most common in logs, and the README says which.
ZONE_OFFSETS: dict[str, int] = {
    "UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "WET": 0, "WEST": 60, "BST": 60, "IST": 330, "CET": 60, "CEST": 120,
    "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "EST": -300, "EDT": -240, "CST": -360,
    "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "AWST": 480, "ACST": 570, "ACDT": 630, "AEST": 600,
    "AEDT": 660, "NZST": 720, "NZDT": 780,
}  # fmt: skip
ZONE_WORD = "(?:" + "|".join(sorted((z for z in ZONE_OFFSETS if z != "Z"), key=len, reverse=True)) + ")"

# Kubernetes pod names: <workload>-<replicaset hash>-<5 chars>, from a vowel-free alphabet.
POD_CHARS = "[bcdfghjklmnpqrstvwxz2456789]"
_WORKLOAD = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
REPLICA_POD_SUFFIX = rf"-{POD_CHARS}{{6,10}}-{POD_CHARS}{{5}}"
POD = rf"{_WORKLOAD}{REPLICA_POD_SUFFIX}"
# A CronJob's pod: <cronjob>-<its scheduled minute since the epoch>-<5 chars>; a DaemonSet's: <daemonset>-<5 chars>.
CRON_POD_SUFFIX = rf"-\d{{8,10}}-{POD_CHARS}{{5}}"
DAEMON_POD_SUFFIX = rf"-{POD_CHARS}{{5}}"
# Any pod name: a Deployment's, a CronJob's, a StatefulSet's (``redis-0``), a DaemonSet's (``fluentd-x7k2p``).
ANY_POD = rf"(?:{POD}|{_WORKLOAD}(?:{CRON_POD_SUFFIX}|-\d{{1,3}}|{DAEMON_POD_SUFFIX}))"
