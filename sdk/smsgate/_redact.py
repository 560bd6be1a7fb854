"""Redaction: the one place that knows every form a secret can take in text we log or keep."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

__all__ = ["MASK", "Redactor"]

MASK = "[REDACTED]"
_MAX_KEPT = 4096


def _forms(secret: str) -> set[str]:
    """The secret raw, URL-encoded (both ways), XML-escaped and JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
        escape(secret, {'"': "&quot;", "'": "&apos;"}),
        escape(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


class Redactor:
    """Replaces every known secret, in every encoded form, by ``[REDACTED]``."""

    __slots__ = ("_pattern",)

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms = {form for s in secrets if s for form in _forms(s)}
        # Longest first so that a form containing another is replaced whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)

    def body(self, data: bytes, limit: int = _MAX_KEPT) -> str:
        """A reply body as text fit to keep in an exception: decoded leniently, redacted, cut to `limit`."""
        text = data[: limit * 2].decode("utf-8", errors="replace")
        text = self(text)
        return text if len(text) <= limit else text[:limit] + "…[truncated]"

    def __repr__(self) -> str:
        return "Redactor(...)"
