"""Misbehaving servers on 127.0.0.1, standing where a proxy or a sick controller would.

`FaultServer` speaks raw TCP so it can do what a well-behaved HTTP server cannot: accept a
connection and never answer, or forward a request to the real controller and cut the
answer in the middle. Each mode is set on the running server, so one port can be a proxy
answering 429 now and a pass-through later.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


class FaultServer:
    """A TCP server whose `mode` says what it does with each request.

    Modes: `status:N` (answer N with an HTML page, as a proxy does), `hang` (accept, read,
    never answer), `forward` (pass to `upstream` and back), `forward-cut` (pass to
    `upstream`, then send half of its answer and close).
    """

    def __init__(self, upstream: str = "") -> None:
        self.upstream = upstream
        self.mode = "status:502"
        self.requests: list[str] = []  # request lines seen, in order
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = int(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """Where a kiosk would find the controller."""
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Stop accepting and drop every held connection."""
        self._stop.set()
        self._sock.close()
        for conn in self._held:
            conn.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = _read_request(conn)
        except OSError:
            conn.close()
            return
        head = request.split(b"\r\n", 1)[0].decode("latin-1")
        self.requests.append(head)
        mode = self.mode
        if mode == "hang":
            self._held.append(conn)  # kept open, never answered
            return
        with conn:
            if mode.startswith("status:"):
                status = int(mode.split(":", 1)[1])
                body = f"<html><body><h1>{status}</h1>nginx</body></html>".encode()
                conn.sendall(
                    f"HTTP/1.1 {status} Proxy Says No\r\nContent-Type: text/html\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                return
            answer = _forward(self.upstream, request)
            if mode == "forward-cut":
                answer = answer[: len(answer) // 2]
            conn.sendall(answer)


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _forward(upstream: str, request: bytes) -> bytes:
    """Send the request to `upstream` and return its whole answer as HTTP/1.1 bytes."""
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() not in ("host", "content-length", "connection"):
            headers[name] = value.strip()
    answer = httpx.request(method, upstream + path, content=body, headers=headers, timeout=10)
    out = f"HTTP/1.1 {answer.status_code} OK\r\n"
    out += f"Content-Type: {answer.headers.get('content-type', 'application/json')}\r\n"
    out += f"Content-Length: {len(answer.content)}\r\nConnection: close\r\n\r\n"
    return out.encode("latin-1") + answer.content


@contextmanager
def fault_server(upstream: str = "") -> Iterator[FaultServer]:
    """A FaultServer for the length of the block."""
    server = FaultServer(upstream)
    try:
        yield server
    finally:
        server.close()
