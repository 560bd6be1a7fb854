"""A reply body read within a size cap, decompressed as its bytes arrive. I/O-free: the clients feed it the
raw chunks they receive.

httpx decompresses each raw chunk whole: one 64 KiB chunk of a gzip bomb inflates to 64 MiB before any size
check can look at it. Here the cap applies to the decompressed bytes as they are produced, at most
`STEP` at a time, so memory stays within the cap plus one step plus the raw chunk being read.
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPT_ENCODING", "STEP", "BoundedBody", "ReplyTooLargeError", "UnreadableEncodingError"]

#: What the clients ask for: the encodings decoded here.
ACCEPT_ENCODING = "gzip, deflate"
#: Decompressed bytes produced per step.
STEP = 1 << 16


class ReplyTooLargeError(ValueError):
    """The (decompressed) reply exceeds the cap."""


class UnreadableEncodingError(ValueError):
    """A Content-Encoding we did not ask for, or a compressed body that is corrupt."""


class BoundedBody:
    """Collects a reply body of at most `limit` bytes after decoding its ``Content-Encoding``."""

    __slots__ = ("_body", "_deflate", "_inflater", "_limit", "_started")

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        self._limit = limit
        self._body = bytearray()
        self._deflate = False
        self._started = False
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self._inflater: zlib._Decompress | None = None
        if not codings:
            return
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            raise UnreadableEncodingError(
                f"reply has Content-Encoding {content_encoding!r}; asked for {ACCEPT_ENCODING}"
            )
        self._deflate = codings[0] == "deflate"
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else zlib.MAX_WBITS | 16)

    def feed(self, raw: bytes) -> None:
        """Add a raw chunk; `ReplyTooLargeError` as soon as the decoded body passes the limit."""
        if self._inflater is None:
            self._body += raw
            self._check()
            return
        data = raw
        while data and not self._inflater.eof:
            step = min(STEP, self._limit - len(self._body) + 1)
            try:
                out = self._inflater.decompress(data, step)
            except zlib.error as exc:
                if self._deflate and not self._started:
                    # "deflate" is often sent raw, without the zlib header: start again that way.
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._started = True
                    continue
                raise UnreadableEncodingError(f"compressed reply is corrupt: {exc}") from None
            self._started = True
            self._body += out
            self._check()
            data = self._inflater.unconsumed_tail

    def finish(self) -> bytes:
        """The whole decoded body."""
        if self._inflater is not None:
            try:
                self._body += self._inflater.flush(STEP)
            except zlib.error as exc:
                raise UnreadableEncodingError(f"compressed reply is corrupt: {exc}") from None
            self._check()
        return bytes(self._body)

    def _check(self) -> None:
        if len(self._body) > self._limit:
            raise ReplyTooLargeError(f"reply exceeds {self._limit} bytes")
