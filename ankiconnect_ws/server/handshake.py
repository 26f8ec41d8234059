"""The WebSocket handshake: the upgrade request h11 parsed is checked (origin, API key)
and answered by websockets' ``ServerProtocol.accept``, then the connection becomes a
:class:`~.websocket.Session`.

The request head is parsed once, by h11: websockets gets a ``Request`` built from h11's
fields, and the session's protocol starts in the OPEN state, reading frames only.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from .._deps import ServerProtocol, State, WsHeaders, WsRequest, h11
from ..config import Config
from ..errors import INVALID_API_KEY
from ..protocol import key_matches
from .app import App
from .security import decide_origin
from .websocket import Session

__all__ = ["is_upgrade", "serve", "websocket_limit"]

BAD_HANDSHAKE = "bad websocket handshake\n"
TOO_MANY_WEBSOCKETS = "too many WebSocket connections\n"


def websocket_limit(config: Config) -> int:
    """WebSockets may hold seven eighths of ``maxConnections`` at most. They are never
    closed to make room (thread.py closes idle HTTP connections only), so without a
    share of their own one client opening WebSockets could shut every HTTP client out."""
    return max(1, config.maxConnections - max(1, config.maxConnections // 8))


def is_upgrade(request: h11.Request) -> bool:
    for key, value in request.headers:
        if key == b"upgrade" and value.lower() == b"websocket":
            return True
    return False


def _query(target: bytes) -> dict[str, list[str]] | None:
    """The target's query parameters; None when the target does not parse."""
    try:
        return parse_qs(urlsplit(target.decode("latin-1")).query)
    except ValueError:  # e.g. "http://[" (an unclosed IPv6 literal)
        return None


def _ws_request(request: h11.Request) -> WsRequest:
    headers = WsHeaders()
    for name, value in request.headers.raw_items():
        headers[name.decode("latin-1")] = value.decode("latin-1")
    return WsRequest(request.target.decode("latin-1"), headers)


class _Refusal(Exception):
    def __init__(self, reason: str, value: str, text: str) -> None:
        super().__init__(text)
        self.reason, self.value, self.text = reason, value, text


def _authenticated(origin: str | None, query: dict[str, list[str]], config: Config) -> bool:
    """Whether ``?key=`` proved the API key; _Refusal for an untrusted origin or a wrong key."""
    if not decide_origin(origin, config).allowed:
        raise _Refusal("origin", origin or "", "origin not allowed\n")
    keys = query.get("key")
    if not keys or config.apiKey is None:
        return False  # each request then carries its own key (or none is needed)
    if not key_matches(keys[0], config.apiKey):
        raise _Refusal("key", "", INVALID_API_KEY + "\n")
    return True


async def serve(app: App, request: h11.Request, trailing: bytes,
                reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer the handshake; once accepted, serve the WebSocket until it closes."""
    config = app.settings()
    handshake = ServerProtocol()  # only builds the response: the head is parsed already
    # websockets' parser is a generator that holds its protocol, waiting for a request
    # this one never reads: close it, or every handshake leaves a cycle behind (freed
    # only by the cycle collector, which Anki runs every 15 minutes)
    handshake.parser.close()
    ws_request = _ws_request(request)
    origins = ws_request.headers.get_all("Origin")
    query = _query(request.target)
    if len(origins) > 1 or query is None:
        # Two Origins cannot be judged; a target that does not parse has no key to read.
        writer.write(handshake.reject(400, BAD_HANDSHAKE).serialize())
        return
    origin = origins[0] if origins else None
    try:
        authenticated = _authenticated(origin, query, config)
    except _Refusal as refusal:
        app.refused("ws", refusal.reason, refusal.value)
        response = handshake.reject(403, refusal.text)
    else:
        # (sessions register when they start, after the 101 is written: the few
        # handshakes in between may pass together, still within maxConnections)
        if len(app.sessions) >= websocket_limit(config):
            app.refused("ws", "full", origin or "")
            response = handshake.reject(503, TOO_MANY_WEBSOCKETS)
        else:
            response = handshake.accept(ws_request)  # checks Upgrade, Connection, the key header...
    writer.write(response.serialize())
    await writer.drain()
    if response.status_code != 101:
        return
    frames = ServerProtocol(state=State.OPEN, max_size=config.wsMaxMessageBytes)
    session = Session(app, frames, writer, origin or "", authenticated)
    await session.serve(reader, trailing)
