"""The transport without Anki: a real ServerThread on loopback, actions running on a real
Collection inline. Covers what needs odd timings or raw sockets: keep-alive pings,
refusing a dead peer, the request-parsing messages."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection
from websockets.sync.client import connect

from ankiconnect_ws.actions.context import Environment
from ankiconnect_ws.config import Config
from ankiconnect_ws.protocol import MAX_DEPTH, TOO_DEEP, BadRequest, Dispatcher, parse_request
from ankiconnect_ws.server import App, ServerThread

from ..api_calls import strict_loads

HANDSHAKE = (
    b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, int]]:
    col = Collection(str(tmp_path / "c.anki2"))
    config = Config(webBindPort=0, wsPingInterval=0.3, wsPingTimeout=0.3, headerTimeout=1.0, idleTimeout=5.0)
    environment = Environment(collection=lambda: col, config=config)
    app = App(Dispatcher(environment, lambda: config), lambda: config)
    thread = ServerThread(app)
    bound: dict[str, object] = {}
    thread.start("127.0.0.1", 0, lambda address, error: bound.update(address=address, error=error))
    deadline = time.monotonic() + 5
    while "address" not in bound and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bound.get("error") is None and bound.get("address")
    try:
        yield thread, bound["address"][1]  # type: ignore[index]
    finally:
        thread.stop()
        col.close()


def test_idle_websocket_is_pinged_and_a_silent_peer_dropped(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(HANDSHAKE)
        assert b" 101 " in raw.recv(4096)
        # we never answer the ping: the server must close the connection
        received = b""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            chunk = raw.recv(4096)
            if not chunk:
                break
            received += chunk
        assert received[:1] == b"\x89"  # a ping frame came first
        assert time.monotonic() < deadline, "the dead connection was not closed"


def test_a_live_client_answers_pings_and_stays(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with connect(f"ws://127.0.0.1:{port}/") as ws:  # the client library answers pings
        time.sleep(1.5)  # several ping intervals
        ws.send(json.dumps({"id": 1, "action": "version"}))
        assert json.loads(ws.recv(timeout=5)) == {"id": 1, "result": 6, "error": None}


def test_parse_request_messages() -> None:
    cases = {
        b"{bad": "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        b"[1]": "[1] is not of type 'object'",
        b'"s"': "'s' is not of type 'object'",
        b'{"action": null}': "None is not of type 'string'",
        b'{"action": "a", "version": true}': "True is not of type 'integer'",
        b'{"action": "a", "params": 3}': "3 is not of type 'object'",
    }
    for body, message in cases.items():
        with pytest.raises(BadRequest) as error:
            parse_request(body)
        assert str(error.value) == message, body
    assert parse_request(b'{"action": "a", "version": 6.0}')["version"] == 6.0
    assert parse_request(b'{"action": "a", "x": NaN}')["action"] == "a"  # Python's json accepts NaN
    with pytest.raises(BadRequest, match="nested too deeply"):
        parse_request(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(BadRequest, match="nested too deeply"):
        parse_request(b'{"action": "a", "x": %s}' % (b"[" * 990 + b"NaN" + b"]" * 990))


def test_a_request_head_dribbled_byte_by_byte_is_cut_off(server: tuple[ServerThread, int]) -> None:
    _, port = server
    head = b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        started = time.monotonic()
        closed = False
        for byte in head:
            try:
                raw.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            time.sleep(0.05)
            if time.monotonic() - started > 4:
                break
        if not closed:
            raw.settimeout(3)
            try:
                closed = raw.recv(1024) == b""
            except OSError:
                closed = True
        assert closed, "the slow request head was not cut off"
        assert time.monotonic() - started < 4  # headerTimeout is 1 s in total, not per byte


def test_an_idle_keep_alive_connection_waits_longer_than_a_request_head(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        time.sleep(1.5)  # longer than headerTimeout (1 s), shorter than idleTimeout (5 s)
        body = b'{"action": "version", "version": 6}'
        raw.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        reply = b""
        while not reply.endswith(b"null}"):
            chunk = raw.recv(4096)
            assert chunk, "the idle connection was closed too early"
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200 OK")


def _post(port: int, body: bytes) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/", body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _deep(levels: int, inner: str = "1") -> str:
    return "[" * levels + inner + "]" * levels


def test_every_reply_is_one_strict_json_answer(server: tuple[ServerThread, int]) -> None:
    _, port = server
    # HTTP: non-finite numbers are read as upstream does, never written back as non-JSON
    status, body = _post(port, b'{"action": "getDecks", "version": 6, '
                               b'"params": {"cards": [[Infinity], [18446744073709551616]]}}')
    assert status == 200
    assert strict_loads(body) == {"result": {"Default": [[None], [2**64]]}, "error": None}
    # HTTP: absurd nesting is a clear error, not a 500
    status, body = _post(port, b'{"action": "getDecks", "version": 6, "params": {"cards": %s}}' % _deep(990).encode())
    assert status == 200
    assert strict_loads(body) == {"result": None, "error": TOO_DEEP}
    # WebSocket: one reply per message; the id comes back whenever it can
    with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        ws.send('{"id": %s, "action": "version"}' % _deep(1000))
        reply = strict_loads(ws.recv(timeout=5))
        assert reply["id"] is None and reply["result"] is None and reply["error"].startswith(TOO_DEEP)
        ws.send('{"id": 7, "action": "version", "params": {"x": %s}}' % _deep(1000))
        assert strict_loads(ws.recv(timeout=5)) == {"id": 7, "result": None, "error": TOO_DEEP}
        ws.send('{"id": [8, %s], "action": "version"}' % _deep(200))
        assert strict_loads(ws.recv(timeout=5))["id"] is None
        ws.send('{"id": 9, "action": "getDecks", "params": {"cards": [[1e400]]}}')  # 1e400 is Infinity
        assert strict_loads(ws.recv(timeout=5))["id"] is None  # strict JSON in: invalid, no id
        ws.send('{"id": 10, "action": "getDecks", "params": {"cards": [%s]}}' % _deep(MAX_DEPTH - 4))
        reply = strict_loads(ws.recv(timeout=5))
        assert reply["id"] == 10 and reply["error"] is None  # at the limit: answered in full
        ws.send('{"id": 11, "action": "version"}')
        assert strict_loads(ws.recv(timeout=5)) == {"id": 11, "result": 6, "error": None}
