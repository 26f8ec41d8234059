"""One HTTP/1.1 connection, framed by h11: keep-alive, pipelining, chunked bodies,
``Expect: 100-continue``, limits, and the hand-off to the WebSocket handshake on
``Upgrade``. Bytes only: what a request means is decided in http_api.py (and
``App.answer``); the status page's files and the API's description documents come
from static.py.

h11 answers requests strictly in order, so pipelined requests get their replies in
the order they were sent.
"""

from __future__ import annotations

import asyncio
import http
import logging
from typing import NoReturn
from urllib.parse import urlsplit

from .._deps import h11
from . import handshake, http_api
from .app import App
from .http_api import HttpReply, plain
from .security import decide_origin, host_allowed
from .static import DOCUMENT_PATHS, document_reply, is_static, static_reply

__all__ = ["HttpConnection"]

log = logging.getLogger("ankiconnect_ws.http")

READ_SIZE = 65536
#: Largest body read from an untrusted origin. The only action it may call is
#: ``requestPermission`` (a few hundred bytes); anything bigger gets its 403 from the
#: headers, so a foreign page cannot make us buffer a huge body just to refuse it.
UNTRUSTED_BODY_LIMIT = 64 * 1024


class _Close(Exception):
    """Stop serving this connection (after whatever was already sent)."""


class _Timeout(_Close):
    """The peer did not send what we wait for in time."""


class HttpConnection:
    def __init__(self, app: App, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.app = app
        self.reader = reader
        self.writer = writer
        config = app.settings()
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=config.maxHeaderBytes)
        #: event-loop time since which the connection waits for a request head (then it
        #: may be closed to make room for a new client, see ServerThread); None when busy
        self.waiting_since: float | None = None

    # --- low level -------------------------------------------------------------------

    async def _next_event(self, deadline: float | None, idle_until: float | None = None) -> object:
        """The next h11 event, complete by ``deadline`` (event-loop time) in all: a client
        dribbling bytes does not reset the clock. With ``deadline`` None (keep-alive,
        between requests), wait until ``idle_until`` for the next request to begin; its
        head then has ``headerTimeout`` from its first byte."""
        loop = asyncio.get_running_loop()
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            if self.conn.they_are_waiting_for_100_continue:
                await self._send(h11.InformationalResponse(status_code=100, headers=[]))
            until = deadline if deadline is not None else idle_until
            wait = until - loop.time() if until is not None else 0.0
            if wait <= 0:
                raise _Timeout()
            try:
                data = await _read_with_timeout(self.reader, wait)
            except asyncio.TimeoutError:
                raise _Timeout() from None
            if deadline is None and data:
                deadline = loop.time() + self.app.settings().headerTimeout  # the request has begun
            self.conn.receive_data(data)

    async def _send(self, *events: object) -> None:
        # send_with_data_passthrough hands the body bytes through untouched, so a large
        # reply is not copied once more on its way to the socket.
        chunks = [chunk for event in events for chunk in (self.conn.send_with_data_passthrough(event) or ())]
        if chunks:
            self.writer.writelines(chunks)
            await self.writer.drain()

    async def _send_reply(self, reply: HttpReply, head_only: bool = False) -> None:
        headers = [*reply.headers, (b"Content-Length", str(len(reply.body)).encode())]
        reason = http.HTTPStatus(reply.status).phrase.encode()
        response = h11.Response(status_code=reply.status, headers=headers, reason=reason)
        body = b"" if head_only else reply.body
        await self._send(response, *( [h11.Data(data=body)] if body else []), h11.EndOfMessage())

    async def _send_plain(self, status: int, text: str, close: bool = False) -> None:
        reply = plain(status, text)
        if close:
            reply.headers.append((b"Connection", b"close"))
        await self._send_reply(reply)

    # --- the loop --------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until it ends, then close the socket."""
        try:
            await self.serve()
        finally:
            try:
                self.writer.close()
            except Exception:
                pass

    async def serve(self) -> None:
        try:
            first = True
            while True:
                event = await self._next_request(first)
                first = False
                if not isinstance(event, h11.Request):
                    return  # ConnectionClosed, or PAUSED after a protocol switch
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

    async def _next_request(self, first: bool) -> object:
        """Wait for the next request head. The first has ``headerTimeout`` from the accept
        (a silent connection must not hold a slot for long); a keep-alive connection
        waits ``idleTimeout`` for its next request to begin. Meanwhile the connection
        counts as idle and may be closed to make room for a new client."""
        config = self.app.settings()
        now = asyncio.get_running_loop().time()
        self.waiting_since = now
        try:
            if first:
                return await self._next_event(now + config.headerTimeout)
            return await self._next_event(None, idle_until=now + config.idleTimeout)
        finally:
            self.waiting_since = None

    async def _bad_request(self, exc: h11.RemoteProtocolError) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        status = exc.error_status_hint or 400
        try:
            await self._send_plain(status, f"bad request: {exc}\n", close=True)
        except Exception:
            pass

    async def _refuse(self, reply: HttpReply) -> NoReturn:
        """Answer before reading the request's body, then close the connection."""
        reply.headers.append((b"Connection", b"close"))
        await self._send_reply(reply)
        await self._linger()
        raise _Close()

    async def _read_body(self, request: h11.Request, limit: int) -> bytes:
        declared = _header(request, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _TooLarge()
        timeout = self.app.settings().bodyTimeout
        # One deadline for the whole body: a body trickled a byte at a time is cut too.
        deadline = asyncio.get_running_loop().time() + timeout
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                event = await self._next_event(deadline)
            except _Timeout:
                await self._send_plain(408, f"request body not received within {timeout:g} s\n", close=True)
                raise
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
        config = self.app.settings()
        if _head_size(request) > config.maxHeaderBytes:
            # h11 only limits a head that is still incomplete; one that arrived whole
            # in a single read is measured here.
            await self._refuse(plain(431, f"request head larger than {config.maxHeaderBytes} bytes\n"))
        host = _header(request, b"host")
        if not host_allowed(host, config):
            self.app.refused("http", "host", host or "")
            await self._send_plain(403, "host not allowed\n", close=True)
            raise _Close()

        if request.method == b"CONNECT":
            # A 2xx would open a tunnel (h11 then refuses our body): we are no proxy.
            await self._refuse(plain(405, "CONNECT is not supported\n"))
        if handshake.is_upgrade(request):
            return await self._upgrade(request)

        # Names are lower-cased by h11; a repeated header keeps its last value, as upstream.
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers}
        origin = headers.get("origin")
        decision = decide_origin(origin, config)
        limit = config.maxBodyBytes if decision.allowed else min(config.maxBodyBytes, UNTRUSTED_BODY_LIMIT)
        try:
            body = await self._read_body(request, limit)
        except _TooLarge:
            if not decision.allowed:
                self.app.refused("http", "origin", origin or "")
                await self._refuse(http_api.forbidden(decision.cors_origin))
            await self._refuse(plain(413, f"request body larger than {config.maxBodyBytes} bytes\n"))

        method = request.method.decode("ascii", "replace").upper()
        head_only = method == "HEAD"
        path = _path(request.target)
        if method in ("GET", "HEAD") and not body and is_static(path) and self.app.web_root:
            await self._send_reply(static_reply(self.app.web_root, path), head_only=head_only)
            return False
        if method in ("GET", "HEAD") and not body and path in DOCUMENT_PATHS:
            cors_origin = decision.cors_origin if decision.allowed else None
            await self._send_reply(await document_reply(path, cors_origin), head_only=head_only)
            return False

        reply = await http_api.respond(self.app, method, headers, body)
        await self._send_reply(reply, head_only=head_only)
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
        if _has_body(request):
            await self._refuse(plain(400, "a WebSocket handshake has no body\n"))
        # Let h11 finish the (body-less) request, then hand the parsed head and any bytes
        # that followed it to the WebSocket handshake. Without ``Connection: upgrade`` h11
        # does not pause, but the handshake goes on all the same: websockets says
        # what is missing.
        deadline = asyncio.get_running_loop().time() + self.app.settings().headerTimeout
        while True:
            event = await self._next_event(deadline)
            if isinstance(event, h11.EndOfMessage):
                break
            raise _Close()
        trailing, _closed = self.conn.trailing_data
        await handshake.serve(self.app, request, bytes(trailing), self.reader, self.writer)
        return True


async def _read_with_timeout(reader: asyncio.StreamReader, timeout: float) -> bytes:
    # asyncio.timeout (3.11+) costs far less than wait_for, which wraps every read in a
    # new task: the difference is visible in requests per second on keep-alive.
    # Anki up to 25.02 runs Python 3.9, which has only wait_for.
    if _timeout is not None:
        async with _timeout(timeout):
            return await reader.read(READ_SIZE)
    return await asyncio.wait_for(reader.read(READ_SIZE), timeout)


_timeout = getattr(asyncio, "timeout", None)


class _TooLarge(Exception):
    pass


def _header(request: h11.Request, name: bytes) -> str | None:
    for key, value in request.headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _has_body(request: h11.Request) -> bool:
    for key, value in request.headers:
        if key == b"transfer-encoding" or (key == b"content-length" and value.strip(b"0")):
            return True
    return False


def _head_size(request: h11.Request) -> int:
    """Bytes of the request head as sent, give or take the whitespace h11 trimmed."""
    line = len(request.method) + len(request.target) + len(b"  HTTP/1.1\r\n")
    return line + sum(len(name) + len(value) + 4 for name, value in request.headers.raw_items()) + 2


def _path(target: bytes) -> str:
    """The path of a request target; "" when it does not parse (the API ignores it)."""
    try:
        return urlsplit(target.decode("latin-1")).path
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 literal)
        return ""
