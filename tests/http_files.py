"""A small local HTTP server for media-download tests (unit and end-to-end)."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable


class FileServer:
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

    def __enter__(self) -> "FileServer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class RawServer:
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

    def __enter__(self) -> "RawServer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
