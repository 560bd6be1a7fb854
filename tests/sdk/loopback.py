"""A small HTTP/1.1 server on 127.0.0.1 for the tests that need a peer the emulator cannot play (a reply that
drips, a gzip bomb, a connection closed while idle, TLS with a test CA, the heads of what was sent)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable

__all__ = ["BALANCE_XML", "LoopbackServer", "answer", "free_port", "keep_answering"]

#: A LetsAds balance reply.
BALANCE_XML = b"<response><name>Balance</name><description>5</description><currency>UAH</currency></response>"


def free_port() -> int:
    """A loopback port nothing listens on (a connection to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answer(conn: socket.socket, body: bytes = BALANCE_XML) -> None:
    """Write a 200 reply with `body` and its Content-Length (the connection stays usable)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def keep_answering(conn: socket.socket) -> bool:
    """`answer`, and keep the connection for the next request (keep-alive)."""
    answer(conn)
    return True


class LoopbackServer:
    """Reads each connection request by request (the head, then a Content-Length body) and calls `reply(conn)`
    for each: it writes the answer and returns True to read the next request on the same connection (else the
    connection is closed). Counts the connections and keeps every request's head; serves TLS with `tls=`."""

    def __init__(self, reply: Callable[[socket.socket], bool | None], *, tls: ssl.SSLContext | None = None) -> None:
        self.connections = 0
        self.heads: list[bytes] = []
        self._reply = reply
        self._tls = tls
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.settimeout(10.0)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        if self._tls is not None:
            try:
                conn = self._tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):  # a client that does not trust the certificate hangs up
                conn.close()
                return
        with conn, contextlib.suppress(OSError):  # (the client gave up, or the test ended)
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                fields = (line.partition(b":") for line in head.split(b"\r\n")[1:])
                length = next((int(v) for n, _, v in fields if n.strip().lower() == b"content-length"), 0)
                while len(rest) < length:
                    rest += conn.recv(65536)
                data = rest[length:]
                self.heads.append(head)
                if not self._reply(conn) or self._stop.is_set():
                    return

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sock.close()
