"""The WebSocket endpoint: handshake checks, then one JSON request per text frame.

Framing is done by the ``websockets`` Sans-I/O :class:`ServerProtocol`; this module
only moves bytes between it and the socket and runs requests concurrently, so a quick
``version`` overtakes a slow ``addNotes`` sent before it.

Reply: ``{"id": <echoed>, "result": ..., "error": ...}``; pushed events carry no id.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import hmac
import logging
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from .._deps import Opcode, ServerProtocol, State, WsRequest, h11
from ..actions.context import RequestInfo
from ..errors import INVALID_API_KEY
from ..protocol import BadRequest, encode_reply, parse_message
from .app import App
from .security import decide_origin

__all__ = ["is_upgrade", "serve", "Session"]

log = logging.getLogger("ankiconnect_ws.websocket")
READ_SIZE = 65536
#: close code for a text message that is not UTF-8 (RFC 6455 7.4.1)
INVALID_DATA = 1007
_UTF8_DECODER = codecs.getincrementaldecoder("utf-8")
#: text is checked in slices of this size, so a huge frame is not decoded in one piece
_UTF8_SLICE = 1 << 20


def is_upgrade(request: h11.Request) -> bool:
    for key, value in request.headers:
        if key == b"upgrade" and value.lower() == b"websocket":
            return True
    return False


def _is_utf8(decoder: codecs.IncrementalDecoder, data: bytes | bytearray | memoryview, final: bool) -> bool:
    """Feed one frame of a text message to ``decoder``; False once it is not UTF-8."""
    view = memoryview(data)
    try:
        for start in range(0, len(view), _UTF8_SLICE):
            decoder.decode(view[start:start + _UTF8_SLICE])
        decoder.decode(b"", final)
    except UnicodeDecodeError:
        return False
    return True


def _query(target: bytes) -> dict[str, list[str]] | None:
    """The target's query parameters; None when the target does not parse."""
    try:
        return parse_qs(urlsplit(target.decode("latin-1")).query)
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 literal)
        return None


def _raw_head(request: h11.Request) -> bytes:
    lines = [request.method + b" " + request.target + b" HTTP/1.1"]
    lines += [k + b": " + v for k, v in request.headers.raw_items()]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class Session:
    """One open WebSocket connection."""

    def __init__(self, app: App, protocol: ServerProtocol, writer: asyncio.StreamWriter,
                 origin: str, authenticated: bool) -> None:
        self.app = app
        self.protocol = protocol
        self.writer = writer
        self.origin = origin
        self.authenticated = authenticated
        self.opened = time.time()
        self.tasks: set[asyncio.Task[None]] = set()
        config = app.config()
        self.slots = asyncio.Semaphore(max(1, config.maxInFlightPerConnection))
        self.last_seen = time.monotonic()
        #: filled by the events package (topics, queue, ...)
        self.subscription: Any = None

    @property
    def open(self) -> bool:
        return self.protocol.state is State.OPEN

    def flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.writer.write(data)
            elif self.writer.can_write_eof():
                with contextlib.suppress(OSError):
                    self.writer.write_eof()

    def send_json(self, value: Any) -> None:
        """Queue one text frame (server thread only)."""
        if not self.open:
            return
        self.protocol.send_text(encode_reply(value))
        self.flush()

    def send_text_bytes(self, payload: bytes) -> None:
        """Queue one text frame whose JSON is already serialised (events)."""
        if self.open:
            self.protocol.send_text(payload)
            self.flush()

    def close(self, code: int = 1001, reason: str = "") -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self.flush()

    async def handle_message(self, payload: bytes) -> None:
        """Answer one message: exactly one reply, whatever the message holds."""
        request_id: Any = None
        started = time.perf_counter()
        action = None
        try:
            obj = parse_message(payload)
            request_id = obj.get("id")
            action = obj["action"]
            info = RequestInfo(origin=self.origin, trusted=True, protocol="ws",
                               authenticated=self.authenticated, session=self)
            self.app.log("request", obj)
            reply = await self.app.dispatcher.handle(obj, info, always_envelope=True)
            self.app.log("reply", reply)
        except BadRequest as exc:
            request_id = exc.request_id
            reply = {"result": None, "error": str(exc)}
        except Exception:  # a bug of ours (the dispatcher itself never raises): still answer
            log.exception("ankiconnect-ws: websocket request failed")
            reply = {"result": None, "error": "internal error, see Anki's log"}
        self.send_json({"id": request_id, **reply})
        self.app.note_request("ws", action, self.origin, started, reply.get("error"))
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    async def run(self, reader: asyncio.StreamReader) -> None:
        fragments: list[bytes] = []
        # websockets' Sans-I/O layer does not decode text frames: we check that a text
        # message is UTF-8 ourselves, frame by frame (RFC 6455 8.1: fail with 1007).
        utf8: codecs.IncrementalDecoder | None = None
        try:
            data = b"(start)"
            while True:
                for frame in self.protocol.events_received():
                    if frame.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                        continue
                    if frame.opcode is not Opcode.CONT:
                        utf8 = _UTF8_DECODER() if frame.opcode is Opcode.TEXT else None
                    if utf8 is not None and not _is_utf8(utf8, frame.data, frame.fin):
                        self.protocol.fail(INVALID_DATA, "invalid UTF-8 in a text message")
                        fragments = []
                        break
                    fragments.append(bytes(frame.data))
                    if frame.fin:
                        payload = b"".join(fragments)
                        fragments = []
                        await self.slots.acquire()  # backpressure: stop reading when full
                        task = asyncio.create_task(self._run_one(payload))
                        self.tasks.add(task)
                        task.add_done_callback(self.tasks.discard)
                self.flush()
                await self.writer.drain()
                if self.protocol.close_expected() or not data or self.protocol.state is State.CLOSED:
                    break
                data = await reader.read(READ_SIZE)
                if data:
                    self.protocol.receive_data(data)
                else:
                    self.protocol.receive_eof()
                self.last_seen = time.monotonic()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass

    async def keepalive(self, interval: float, timeout: float) -> None:
        """Ping a connection that has been quiet for ``interval`` seconds; drop it when
        nothing (not even the pong) comes back within ``timeout``."""
        if interval <= 0:
            return
        while self.open:
            wait = self.last_seen + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            sent = time.monotonic()
            self.protocol.send_ping(b"keepalive")
            self.flush()
            await asyncio.sleep(timeout)
            if self.last_seen < sent and self.open:
                log.info("closing a websocket that did not answer a ping")
                self.writer.transport.abort()
                return

    async def _run_one(self, payload: bytes) -> None:
        try:
            await self.handle_message(payload)
        except Exception:  # a reply could not be written: the peer is gone
            log.debug("websocket reply failed", exc_info=True)
        finally:
            self.slots.release()


async def serve(app: App, request: h11.Request, trailing: bytes,
                reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    config = app.config()
    protocol = ServerProtocol(max_size=config.wsMaxMessageBytes)
    protocol.receive_data(_raw_head(request))
    events = protocol.events_received()
    if not events or not isinstance(events[0], WsRequest):
        # websockets has answered (431) or only closed: make sure a reply goes out.
        sent = b"".join(protocol.data_to_send())
        writer.write(sent or protocol.reject(400, "bad websocket handshake\n").serialize())
        return
    ws_request = events[0]
    origins = ws_request.headers.get_all("Origin")
    query = _query(request.target)
    if len(origins) > 1 or query is None:
        # Two Origins cannot be judged; a target that does not parse has no key to read.
        protocol.send_response(protocol.reject(400, "bad websocket handshake\n"))
        for data in protocol.data_to_send():
            writer.write(data)
        return
    origin = origins[0] if origins else None
    refusal = None
    if not decide_origin(origin, config).allowed:
        refusal = ("origin", origin or "", "origin not allowed\n")
    authenticated = False
    key = (query.get("key") or [None])[0]
    if refusal is None and key is not None and config.apiKey is not None:
        if hmac.compare_digest(key.encode(), config.apiKey.encode()):
            authenticated = True
        else:
            refusal = ("key", "", INVALID_API_KEY + "\n")
    if refusal is None:
        response = protocol.accept(ws_request)
    else:
        app.note_refused({"protocol": "ws", "reason": refusal[0], "value": refusal[1], "action": None})
        response = protocol.reject(403, refusal[2])
    protocol.send_response(response)
    for data in protocol.data_to_send():
        writer.write(data)
    await writer.drain()
    if response.status_code != 101:
        return

    session = Session(app, protocol, writer, origin or "", authenticated)
    sessions = app.sessions
    sessions.add(session)
    keepalive = asyncio.create_task(session.keepalive(config.wsPingInterval, config.wsPingTimeout))
    try:
        if trailing:
            protocol.receive_data(trailing)
        await session.run(reader)
    finally:
        keepalive.cancel()
        sessions.discard(session)
        if session.subscription is not None:
            with contextlib.suppress(Exception):
                session.subscription.detach()
        # let in-flight requests finish; their replies are dropped if the peer is gone
        session.close(1000)
