"""Small local HTTP servers for media-download tests (unit and end-to-end)."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from .local_api import LocalApi

HELLO = b"Hello, world!"
AUDIO = b"ID3 fake mp3 bytes"


class _Server:
    """Closed at the end of a ``with`` block."""

    def close(self) -> None:  # pragma: no cover
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class FileServer(_Server):
    """Serves ``route(path) -> bytes | None`` on 127.0.0.1 (None: 404).

    ``requests`` logs each path; ``on_request`` callbacks run for each request (e.g. to
    note whether Anki's main thread was busy at that moment); paths in ``slow`` answer
    after a second.
    """

    def __init__(self, route: Callable[[str], bytes | None], slow: tuple[str, ...] = ()) -> None:
        self.requests: list[str] = []
        self.on_request: list[Callable[[str], None]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                for callback in server.on_request:
                    callback(self.path)
                if self.path in slow:
                    time.sleep(1.0)
                body = route(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class MediaServer(FileServer):
    """Serves /audio.mp3, /hello.txt and a /slow file (after 1 s); 404 otherwise.

    ``seen_inside_main`` records, for each request, whether the collection work of an
    action was running at that moment (set by ``watch_main``).
    """

    def __init__(self) -> None:
        files = {"/audio.mp3": AUDIO, "/hello.txt": HELLO, "/slow": b"late"}
        super().__init__(files.get, slow=("/slow",))
        self.seen_inside_main: list[bool] = []
        self.inside_main = threading.Event()
        self.on_request.append(lambda _path: self.seen_inside_main.append(self.inside_main.is_set()))

    def watch_main(self, api: LocalApi) -> list[int]:
        """Route the api's main-thread calls through a marker; returns the call log."""
        calls: list[int] = []

        async def run_on_main(fn: Callable[[], Any]) -> Any:
            calls.append(1)
            self.inside_main.set()
            try:
                return fn()
            finally:
                self.inside_main.clear()

        api.rewire(run_on_main=run_on_main)
        return calls


class RawServer(_Server):
    """A TCP server on 127.0.0.1 whose test writes the raw HTTP reply itself.

    For each connection the request head is read, then ``reply(send)`` runs; ``send``
    writes bytes and returns False once the client has gone, so a reply that trickles or
    floods can stop. The connection is closed when ``reply`` returns.
    """

    def __init__(self, reply: Callable[[Callable[[bytes], bool]], None]) -> None:
        self.reply = reply
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def url(self, path: str = "/file") -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}{path}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk

            def send(data: bytes) -> bool:
                try:
                    conn.sendall(data)
                    return True
                except OSError:
                    return False

            self.reply(send)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.listener.close()
