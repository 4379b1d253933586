"""Log text is untrusted: make it safe to show in a terminal (and, later, HTML)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, *, limit: int | None = None) -> str:
    """Control characters (terminal escape codes included) shown as ``\\x1b`` instead of acted on."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
