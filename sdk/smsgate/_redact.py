"""Redaction: the one place that knows every form a secret can take in text we log or keep."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

__all__ = ["MASK", "Redactor"]

MASK = "[REDACTED]"
_MAX_KEPT = 4096


#: A base64 core shorter than this is not looked for: it would mask ordinary text.
_MIN_B64_CORE = 6


def _base64_cores(secret: str) -> set[str]:
    """What base64 (standard and URL-safe) makes of the secret wherever it sits in a longer blob (e.g.
    ``login:password`` of Basic auth): at each of the three byte alignments, the characters that only the
    secret's bits determine. The few bits on either edge that the neighbours share stay visible."""
    raw = secret.encode("utf-8")
    cores = set()
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode("ascii")
        start = -(-8 * pad // 6)  # the first character made of the secret's bits only
        end = (8 * (pad + len(raw))) // 6  # past the last such character
        core = encoded[start:end]
        if len(core) >= _MIN_B64_CORE:
            cores.add(core)
            cores.add(core.translate(_URLSAFE))
    return cores


_URLSAFE = str.maketrans("+/", "-_")


def _forms(secret: str) -> set[str]:
    """The secret raw, URL-encoded (both ways), XML-escaped, JSON-escaped and base64-encoded."""
    return _base64_cores(secret) | {
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
        """A reply body as text fit to keep in an exception: decoded leniently, redacted, cut to `limit`.

        Redacted whole before it is cut: a secret across the cut would otherwise keep its first part.
        """
        text = self(data.decode("utf-8", errors="replace"))
        return text if len(text) <= limit else text[:limit] + "…[truncated]"

    def __repr__(self) -> str:
        return "Redactor(...)"
