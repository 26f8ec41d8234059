"""One HTTP/1.1 connection, parsed by h11: keep-alive, pipelining, chunked bodies,
``Expect: 100-continue``, limits, and the hand-off to WebSocket on ``Upgrade``.

h11 answers requests strictly in order, so pipelined requests get their replies in
the order they were sent.
"""

from __future__ import annotations

import asyncio
import http
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .._deps import h11
from . import legacy, websocket
from .app import App
from .security import host_allowed

__all__ = ["serve_connection"]

log = logging.getLogger("ankiconnect_ws.http")

READ_SIZE = 65536
STATIC_PREFIX = "/status"


class _Close(Exception):
    """Stop serving this connection (after whatever was already sent)."""


class HttpConnection:
    def __init__(self, app: App, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.app = app
        self.reader = reader
        self.writer = writer
        config = app.config()
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=config.maxHeaderBytes)

    # --- low level -------------------------------------------------------------------

    async def _next_event(self, timeout: float, idle: float | None = None) -> object:
        """The next h11 event, complete within ``timeout`` seconds in all: a client
        dribbling a request head byte by byte does not reset the clock. With ``idle``,
        first wait that long for the next request to begin (keep-alive)."""
        loop = asyncio.get_running_loop()
        deadline = None if idle is not None else loop.time() + timeout
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            if self.conn.they_are_waiting_for_100_continue:
                await self._send(h11.InformationalResponse(status_code=100, headers=[]))
            wait = idle if deadline is None else deadline - loop.time()
            if wait is None or wait <= 0:
                raise _Close()
            try:
                data = await _read_with_timeout(self.reader, wait)
            except asyncio.TimeoutError:
                raise _Close() from None
            if deadline is None and data:
                deadline = loop.time() + timeout  # the request has begun
            self.conn.receive_data(data)

    async def _send(self, *events: object) -> None:
        # send_with_data_passthrough hands the body bytes through untouched, so a large
        # reply is not copied once more on its way to the socket.
        chunks = [chunk for event in events for chunk in (self.conn.send_with_data_passthrough(event) or ())]
        if chunks:
            self.writer.writelines(chunks)
            await self.writer.drain()

    async def _send_reply(self, reply: legacy.HttpReply, head_only: bool = False) -> None:
        headers = [*reply.headers, (b"Content-Length", str(len(reply.body)).encode())]
        reason = http.HTTPStatus(reply.status).phrase.encode()
        response = h11.Response(status_code=reply.status, headers=headers, reason=reason)
        body = b"" if head_only else reply.body
        await self._send(response, *( [h11.Data(data=body)] if body else []), h11.EndOfMessage())

    async def _send_plain(self, status: int, text: str, close: bool = False) -> None:
        headers = [(b"Content-Type", b"text/plain; charset=utf-8")]
        if close:
            headers.append((b"Connection", b"close"))
        await self._send_reply(legacy.HttpReply(status, headers, text.encode("utf-8")))

    # --- the loop --------------------------------------------------------------------

    async def serve(self) -> None:
        config = self.app.config()
        try:
            while True:
                waiting = self.conn.their_state is h11.IDLE
                event = await self._next_event(config.headerTimeout, config.idleTimeout if waiting else None)
                if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                    return
                if not isinstance(event, h11.Request):
                    return
                upgraded = await self._handle(event)
                if upgraded:
                    return
                if self.conn.our_state is h11.MUST_CLOSE or self.conn.their_state is h11.MUST_CLOSE:
                    return
                self.conn.start_next_cycle()
        except h11.RemoteProtocolError as exc:
            await self._bad_request(exc)
        except (_Close, ConnectionError, asyncio.IncompleteReadError):
            pass
        except h11.LocalProtocolError:
            log.exception("HTTP state error")
        except Exception:  # a bug of ours: still answer, and say so in the log
            log.exception("ankiconnect-ws: request failed")
            if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                try:
                    await self._send_plain(500, "internal error, see Anki's log\n", close=True)
                except Exception:
                    pass

    async def _bad_request(self, exc: h11.RemoteProtocolError) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        status = exc.error_status_hint or 400
        try:
            await self._send_plain(status, f"bad request: {exc}\n", close=True)
        except Exception:
            pass

    async def _read_body(self, request: h11.Request) -> bytes:
        limit = self.app.config().maxBodyBytes
        declared = _header(request, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _TooLarge()
        chunks: list[bytes] = []
        size = 0
        while True:
            event = await self._next_event(self.app.config().headerTimeout)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > limit:
                    raise _TooLarge()
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                raise _Close()

    async def _handle(self, request: h11.Request) -> bool:
        """Answer one request; True when the connection was handed to WebSocket."""
        config = self.app.config()
        host = _header(request, b"host")
        if not host_allowed(host, config):
            self.app.note_refused({"protocol": "http", "reason": "host", "value": host or "", "action": None})
            await self._send_plain(403, "host not allowed\n", close=True)
            raise _Close()

        if websocket.is_upgrade(request):
            return await self._upgrade(request)

        try:
            body = await self._read_body(request)
        except _TooLarge:
            await self._send_plain(413, f"request body larger than {config.maxBodyBytes} bytes\n", close=True)
            await self._linger()
            raise _Close() from None

        method = request.method.decode("ascii", "replace").upper()
        target = request.target.decode("latin-1")
        path = urlsplit(target).path
        if method in ("GET", "HEAD") and not body and _is_static(path) and self.app.web_root:
            await self._send_reply(_static(self.app.web_root, path), head_only=method == "HEAD")
            return False

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers}
        reply = await legacy.respond(self.app, method, headers, body)
        await self._send_reply(reply)
        return False

    async def _linger(self, seconds: float = 2.0, limit: int = 64 * 1024 * 1024) -> None:
        """Discard what the client is still sending so that it reads our reply instead of
        seeing a reset (it may be blocked writing the rest of an oversize body)."""
        if self.writer.can_write_eof():
            self.writer.write_eof()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        seen = 0
        while seen < limit:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                data = await asyncio.wait_for(self.reader.read(READ_SIZE), remaining)
            except (asyncio.TimeoutError, ConnectionError):
                return
            if not data:
                return
            seen += len(data)

    async def _upgrade(self, request: h11.Request) -> bool:
        # Let h11 finish the (body-less) request, then give the raw head and any bytes
        # that followed it to the WebSocket protocol.
        while True:
            event = await self._next_event(self.app.config().headerTimeout)
            if event is h11.PAUSED or isinstance(event, h11.EndOfMessage):
                if event is h11.PAUSED:
                    break
                continue
            if isinstance(event, h11.Data):
                continue
            raise _Close()
        trailing, _closed = self.conn.trailing_data
        await websocket.serve(self.app, request, bytes(trailing), self.reader, self.writer)
        return True


async def _read_with_timeout(reader: asyncio.StreamReader, timeout: float) -> bytes:
    # asyncio.timeout (3.11+) costs far less than wait_for, which wraps every read in a
    # new task: the difference is visible in requests per second on keep-alive.
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(timeout):
            return await reader.read(READ_SIZE)
    return await asyncio.wait_for(reader.read(READ_SIZE), timeout)


class _TooLarge(Exception):
    pass


def _header(request: h11.Request, name: bytes) -> str | None:
    for key, value in request.headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _is_static(path: str) -> bool:
    return path == STATIC_PREFIX or path.startswith(STATIC_PREFIX + "/")


def _static(root: Path, path: str) -> legacy.HttpReply:
    rel = unquote(path[len(STATIC_PREFIX):]).lstrip("/") or "index.html"
    base = root.resolve()
    file = (base / rel).resolve()
    if base not in file.parents or not file.is_file():
        return legacy.HttpReply(404, [(b"Content-Type", b"text/plain; charset=utf-8")], b"not found\n")
    ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
        ctype += "; charset=utf-8"
    headers = [
        (b"Content-Type", ctype.encode()),
        (b"Cache-Control", b"no-cache"),
        (b"X-Content-Type-Options", b"nosniff"),
        (b"Content-Security-Policy", b"default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:"),
    ]
    return legacy.HttpReply(200, headers, file.read_bytes())


async def serve_connection(app: App, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await HttpConnection(app, reader, writer).serve()
    finally:
        try:
            writer.close()
        except Exception:
            pass
