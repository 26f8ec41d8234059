"""A WebSocket session: one JSON request per text frame, replies and events out.

Framing is done by the ``websockets`` Sans-I/O :class:`ServerProtocol` (the handshake
is in handshake.py); this module only moves bytes between it and the socket. Requests
run concurrently, so a quick ``version`` overtakes a slow ``addNotes`` sent before it,
and each is answered by ``App.answer``.

Reply: ``{"id": <echoed>, "result": ..., "error": ...}``; pushed events carry no id. A
session is the event bus's subscriber: the bus queues frames on its
:class:`~ankiconnect_ws.events.Subscription`, and the session writes them.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import time

from .._deps import Opcode, ServerProtocol, State
from ..actions.context import RequestInfo
from ..events import Subscription
from ..protocol import Reply
from ..wire import BadRequest, JsonObject, JsonValue, encode_reply, parse_message
from .app import App

__all__ = ["Session"]

log = logging.getLogger("ankiconnect_ws.websocket")
READ_SIZE = 65536
#: close code for a text message that is not UTF-8 (RFC 6455 7.4.1)
INVALID_DATA = 1007
_UTF8_DECODER = codecs.getincrementaldecoder("utf-8")
#: text is checked in slices of this size, so a huge frame is not decoded in one piece
_UTF8_SLICE = 1 << 20


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


def drop_traceback(exc: BaseException | None) -> None:
    """Forget where ``exc`` was raised. A closed connection's error is kept by whatever
    reported it (the stream reader: a reset; websockets: the end of the stream) and is
    raised again by every later read or drain; each time its traceback gains the frames
    that awaited, which hold the connection: a reference cycle that only the cycle
    collector frees, and Anki runs it only every 15 minutes."""
    if exc is not None:
        exc.__traceback__ = None


class Session:
    """One open WebSocket connection (server thread only)."""

    def __init__(self, app: App, protocol: ServerProtocol, writer: asyncio.StreamWriter,
                 origin: str, authenticated: bool) -> None:
        self.app = app
        self.protocol = protocol
        self.writer = writer
        self.origin = origin
        self.authenticated = authenticated
        self.opened = time.time()
        self.tasks: set[asyncio.Task[None]] = set()
        self.slots = asyncio.Semaphore(max(1, app.settings().maxInFlightPerConnection))
        self.last_seen = time.monotonic()
        #: the events this client subscribed to, and the frames waiting for it
        self.subscription = Subscription()
        self._events_waiting = asyncio.Event()
        self._event_writer: asyncio.Task[None] | None = None

    @property
    def caller(self) -> RequestInfo:
        """Who sends the requests of this session (trusted: the handshake checked it).
        Made per request rather than kept: kept, it would point back at the session and
        make every closed session garbage that only the cycle collector frees (Anki runs
        it every 15 minutes)."""
        return RequestInfo(origin=self.origin, trusted=True, protocol="ws",
                           authenticated=self.authenticated, session=self)

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

    def send_text(self, payload: bytes) -> None:
        """Queue one text frame (already serialised JSON)."""
        if self.open:
            self.protocol.send_text(payload)
            self.flush()

    async def drain(self) -> None:
        await self.writer.drain()

    def close(self, code: int = 1001, reason: str = "") -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(code, reason)
            self.flush()

    def figures(self) -> JsonObject:
        """For serverStatus (``clients``)."""
        sub = self.subscription
        return {
            "origin": self.origin,
            "connectedAt": int(self.opened * 1000),
            "inFlight": len(self.tasks),
            "topics": sorted(sub.topics),
            "queued": len(sub.queue),
            "resets": sub.resets,
        }

    # --- requests --------------------------------------------------------------------

    async def handle_message(self, payload: bytes) -> None:
        """Answer one message: exactly one reply, whatever the message holds."""
        request_id: JsonValue = None
        caller = self.caller
        try:
            try:
                request = parse_message(payload)
            except BadRequest as exc:
                request_id = exc.request_id
                reply = self.app.invalid(caller, str(exc))
            else:
                request_id = request.get("id")
                reply = await self.app.answer(request, caller)
        except Exception:  # a bug of ours (App.answer never raises): still answer
            log.exception("ankiconnect-ws: websocket request failed")
            reply = Reply(error="internal error, see Anki's log")
        self.send_text(encode_reply({"id": request_id, **reply.envelope()}))
        try:
            await self.writer.drain()
        except ConnectionError as exc:
            drop_traceback(exc)  # the peer left while its request ran

    # --- events ----------------------------------------------------------------------

    def events_ready(self) -> None:
        """The bus queued frames on our subscription: wake the task that writes them
        (started at the first event)."""
        self._events_waiting.set()
        if self._event_writer is None:
            self._event_writer = asyncio.get_running_loop().create_task(self._write_events())

    async def _write_events(self) -> None:
        subscription = self.subscription
        try:
            while self.open:
                if not subscription.queue:
                    self._events_waiting.clear()
                    await self._events_waiting.wait()
                    continue
                self.send_text(subscription.take())
                await self.writer.drain()  # a slow reader holds only this task; the bus resets its queue
        except ConnectionError:
            pass

    # --- the connection --------------------------------------------------------------

    async def serve(self, reader: asyncio.StreamReader, trailing: bytes) -> None:
        """Read and answer until the connection closes (``trailing``: bytes that came
        with the handshake)."""
        config = self.app.settings()
        self.app.session_opened(self)
        keepalive = asyncio.create_task(self.keepalive(config.wsPingInterval, config.wsPingTimeout))
        try:
            if trailing:
                self.protocol.receive_data(trailing)
            await self.run(reader)
        finally:
            keepalive.cancel()
            if self._event_writer is not None:
                self._event_writer.cancel()
            self.app.session_closed(self)
            # let in-flight requests finish; their replies are dropped if the peer is gone
            self.close(1000)
            # websockets' parser is a generator holding the protocol, parked until it is
            # fed EOF (which a session that stops reading at the close frame, or at a
            # reset, never feeds it): a cycle until Anki's 15-minute gc. Closing it ends
            # its frame; the error that ended the stream (EOFError when the peer left
            # without a close frame) loses its traceback into that frame.
            self.protocol.parser.close()
            drop_traceback(self.protocol.parser_exc)

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
