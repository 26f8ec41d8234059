"""A small local HTTP server for media-download tests (unit and end-to-end)."""

from __future__ import annotations

import http.server
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
