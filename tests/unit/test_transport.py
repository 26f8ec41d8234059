"""The transport without Anki: a real ServerThread on loopback, actions running on a real
Collection inline. Covers what needs odd timings or raw sockets: keep-alive pings,
refusing a dead peer, the request-parsing messages."""

from __future__ import annotations

import asyncio
import gc
import http.client
import json
import select
import socket
import struct
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from websockets.frames import Frame, Opcode
from websockets.sync.client import connect

from ankiconnect_ws._deps import ServerProtocol
from ankiconnect_ws.actions.context import Environment, MainThread
from ankiconnect_ws.config import Config
from ankiconnect_ws.events import EventBus
from ankiconnect_ws.protocol import Dispatcher
from ankiconnect_ws.server import App, ServerThread
from ankiconnect_ws.wire import MAX_DEPTH, TOO_DEEP, BadRequest, parse_request

from ..support.waiting import wait_until
from ..support.wire import strict_json

HANDSHAKE = (
    b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


@contextmanager
def running_server(tmp_path: Path, run_on_main: MainThread | None = None,
                   **settings: Any) -> Iterator[tuple[ServerThread, int]]:
    """A ServerThread on an ephemeral loopback port with short timeouts (``settings``
    override them) and a status-page folder holding one index.html; actions run inline
    unless ``run_on_main`` says otherwise."""
    col = Collection(str(tmp_path / "c.anki2"))
    defaults: dict[str, Any] = dict(
        webBindPort=0, wsPingInterval=0.3, wsPingTimeout=0.3, headerTimeout=1.0, idleTimeout=5.0, bodyTimeout=1.0,
    )
    config = Config(**{**defaults, **settings})
    web_root = tmp_path / "web"
    web_root.mkdir(exist_ok=True)
    (web_root / "index.html").write_text("<p>status</p>")
    bus = EventBus(lambda: config)
    environment = Environment(collection=lambda: col, settings=lambda: config, run_on_main=run_on_main, events=bus)
    app = App(Dispatcher(environment), lambda: config, web_root=web_root, events=bus)
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, int]]:
    with running_server(tmp_path) as running:
        yield running


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
        body = b'{"action": "version", "version": 6}'
        request = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        raw.sendall(request)
        assert read_response(raw)[0] == 200
        time.sleep(1.5)  # longer than headerTimeout (1 s), shorter than idleTimeout (5 s)
        raw.sendall(request)
        status, _, reply = read_response(raw)
        assert (status, reply) == (200, b'{"result": 6, "error": null}')


# --- raw socket helpers -------------------------------------------------------------------

def read_response(sock: socket.socket, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Read one HTTP response: status, headers (names lower-cased), body by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines[1:])}
    length = 0 if head_only else int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside a response body"
        rest += chunk
    assert len(rest) == length, f"unexpected bytes after the response: {rest[length:]!r}"
    return int(lines[0].split()[1]), headers, rest


def exchange(port: int, data: bytes, timeout: float = 3) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` on a new connection and read one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_response(sock)


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the peer closes ``sock`` within ``seconds`` (whatever it sends first)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sock], [], [], remaining)
        if readable:
            try:
                if sock.recv(65536) == b"":
                    return True
            except ConnectionResetError:
                return True
    return False


def client_frame(opcode: Opcode, payload: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, payload, fin=fin).serialize(mask=True)


def read_server_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One unmasked frame from the server (payloads below 126 bytes): opcode byte, payload."""
    head = b""
    while len(head) < 2:
        chunk = sock.recv(2 - len(head))
        assert chunk, "connection closed before a frame"
        head += chunk
    length = head[1] & 0x7F
    assert length < 126
    payload = b""
    while len(payload) < length:
        chunk = sock.recv(length - len(payload))
        assert chunk
        payload += chunk
    return head[0], payload


def open_websocket(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=3)
    sock.sendall(HANDSHAKE)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk
        head += chunk
    assert head.startswith(b"HTTP/1.1 101 ")
    return sock


UNTRUSTED = b"Origin: http://evil.example\r\n"


# --- untrusted origins: refused from the headers ------------------------------------------

def test_an_untrusted_origin_with_a_huge_body_gets_its_403_without_sending_it(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n" + UNTRUSTED + b"Content-Length: 209715200\r\n\r\n{\"ac")
        status, headers, body = read_response(sock)  # not a 408 after waiting bodyTimeout for the rest
        assert (status, body) == (403, b"")
        assert headers["connection"] == "close"
        assert closed_within(sock, 3)


def test_an_untrusted_streamed_body_is_refused_after_64_kib(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n" + UNTRUSTED + b"Transfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"%x\r\n%s\r\n" % (80_000, b"a" * 80_000))  # and never the last chunk
        status, _, body = read_response(sock)
        assert (status, body) == (403, b"")


def test_request_permission_still_answers_an_untrusted_origin(tmp_path: Path) -> None:
    with running_server(tmp_path, ignoreOriginList=("http://evil.example",)) as (_, port):
        body = b'{"action": "requestPermission", "version": 6}'
        status, headers, reply = exchange(port, b"POST / HTTP/1.1\r\nHost: localhost\r\n" + UNTRUSTED
                                          + b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        assert status == 200
        assert json.loads(reply) == {"result": {"permission": "denied"}, "error": None}
        assert headers["access-control-allow-origin"] == "http://evil.example"


def test_an_untrusted_preflight_grants_nothing(server: tuple[ServerThread, int]) -> None:
    _, port = server
    status, headers, body = exchange(port, b"OPTIONS / HTTP/1.1\r\nHost: localhost\r\n" + UNTRUSTED
                                     + b"Access-Control-Request-Method: POST\r\n"
                                     + b"Access-Control-Request-Private-Network: true\r\n\r\n")
    assert (status, body) == (200, b"")
    assert not any(name.startswith("access-control-") for name in headers), headers


# --- silent and slow clients ---------------------------------------------------------------

def test_a_silent_connection_is_closed_after_the_header_timeout(tmp_path: Path) -> None:
    # headerTimeout (1 s) counts from the accept; idleTimeout is for keep-alive only
    with running_server(tmp_path, idleTimeout=60.0) as (_, port):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            assert closed_within(sock, 8)


def test_a_trickled_body_is_cut_at_the_body_deadline(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n")
        started = time.monotonic()
        answered = False
        while not answered and time.monotonic() - started < 8:
            sock.sendall(b" ")  # a byte every 0.2 s: each read comes well within headerTimeout
            answered = bool(select.select([sock], [], [], 0.2)[0])
        assert answered, "the trickled body was never cut"  # bodyTimeout is 1 s
        status, _, body = read_response(sock)
        assert status == 408 and b"not received" in body
        assert closed_within(sock, 2)


def test_idle_connections_make_room_for_a_new_client(tmp_path: Path) -> None:
    with running_server(tmp_path, maxConnections=8, headerTimeout=30.0) as (thread, port):
        silent = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(8)]
        try:
            deadline = time.monotonic() + 5
            while thread.open_connections < 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert thread.open_connections == 8
            started = time.monotonic()
            status, _, body = exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert (status, json.loads(body)) == (200, {"apiVersion": "AnkiConnect v.6"})
            assert time.monotonic() - started < 5  # at once, not after a timeout (30 s)
            assert closed_within(silent[0], 2), "the longest idle connection was not the one closed"
        finally:
            for sock in silent:
                sock.close()


def test_busy_connections_are_kept_when_full(tmp_path: Path) -> None:
    # the half-sent body must not time out while the test runs (the default here is 1 s,
    # which a busy machine spent before the rest was sent: a 408 instead of the reply)
    with running_server(tmp_path, maxConnections=2, wsPingInterval=0, bodyTimeout=30.0) as (thread, port):
        websocket = open_websocket(port)
        busy = socket.create_connection(("127.0.0.1", port), timeout=3)  # a request half sent
        try:
            body = b'{"action": "version"}'
            # exactly Content-Length bytes: any more would start a second (broken) request
            # on the connection, whose 400 may or may not arrive in the same read
            busy.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:1])
            deadline = time.monotonic() + 5
            while thread.open_connections < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            with socket.create_connection(("127.0.0.1", port), timeout=3) as extra:
                assert closed_within(extra, 2)  # no idle connection to close: refused
            websocket.sendall(client_frame(Opcode.TEXT, b'{"id": 1, "action": "version"}'))
            assert read_server_frame(websocket) == (0x81, b'{"id":1,"result":6,"error":null}')
            busy.sendall(body[1:])
            assert read_response(busy)[2] == b"6"
        finally:
            websocket.close()
            busy.close()


def test_websockets_leave_room_for_http_clients(tmp_path: Path) -> None:
    """WebSockets are never closed to make room, so they get 7 of 8 slots at most: one
    client opening WebSockets cannot shut HTTP clients out."""
    with running_server(tmp_path, maxConnections=8, wsPingInterval=0) as (thread, port):
        sockets = [open_websocket(port) for _ in range(7)]
        try:
            status, _, body = exchange(port, HANDSHAKE)
            assert (status, body) == (503, b"too many WebSocket connections\n")
            assert exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")[0] == 200
            sockets.pop().close()  # a WebSocket closes: its slot is free again
            deadline = time.monotonic() + 5
            while thread.open_connections > 6 and time.monotonic() < deadline:
                time.sleep(0.01)
            sockets.append(open_websocket(port))
        finally:
            for sock in sockets:
                sock.close()


# --- odd requests get a proper answer -------------------------------------------------------

def test_head_gets_the_headers_of_get_and_no_body(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        for target in (b"/", b"/status/"):
            sock.sendall(b"HEAD %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % target)
            head_status, head_headers, _ = read_response(sock, head_only=True)
            sock.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % target)  # same connection
            get_status, get_headers, body = read_response(sock)
            assert (head_status, head_headers) == (get_status, get_headers) == (200, get_headers)
            assert int(head_headers["content-length"]) == len(body) > 0


def test_a_request_without_host_is_answered_only_over_http_1_0(server: tuple[ServerThread, int]) -> None:
    """HTTP/1.1 requires Host (h11 refuses its absence; docs/compatibility.md); HTTP/1.0
    needs none, and no Host is no DNS rebinding: it is answered."""
    _, port = server
    body = b'{"action": "version", "version": 6}'
    head = b"POST / HTTP/%s\r\nContent-Length: %d\r\n\r\n"
    assert exchange(port, head % (b"1.0", len(body)) + body)[::2] == (200, b'{"result": 6, "error": null}')
    status, _, answer = exchange(port, head % (b"1.1", len(body)) + body)
    assert (status, answer) == (400, b"bad request: Missing mandatory Host: header\n")


def test_the_status_page_may_not_be_framed_by_another_page(server: tuple[ServerThread, int]) -> None:
    _, port = server
    status, headers, _ = exchange(port, b"GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert status == 200 and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_odd_static_paths_are_not_found(server: tuple[ServerThread, int]) -> None:
    _, port = server
    for target in (b"/status/%00", b"/status/" + b"a" * 5000, b"/status/../c.anki2"):
        status, _, body = exchange(port, b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % target)
        assert (status, body) == (404, b"not found\n"), target


def test_an_unparsable_target_is_ignored_like_upstream(server: tuple[ServerThread, int]) -> None:
    _, port = server
    status, _, body = exchange(port, b"GET http://[ HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert (status, json.loads(body)) == (200, {"apiVersion": "AnkiConnect v.6"})
    status, _, _ = exchange(port, HANDSHAKE.replace(b"GET / ", b"GET http://[ "))
    assert status == 400


def test_connect_gets_405(server: tuple[ServerThread, int]) -> None:
    _, port = server
    status, _, _ = exchange(port, b"CONNECT localhost:80 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert status == 405


def test_a_complete_head_above_max_header_bytes_gets_431(server: tuple[ServerThread, int]) -> None:
    _, port = server
    big = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 70 * 1024 + b"\r\n\r\n"
    status, _, body = exchange(port, big)
    assert status == 431 and b"65536" in body


def test_a_websocket_handshake_with_a_body_gets_400(server: tuple[ServerThread, int]) -> None:
    _, port = server
    end = b"\r\n\r\n"
    for extra in (b"Content-Length: 5" + end + b"hello", b"Transfer-Encoding: chunked" + end + b"5\r\nhello\r\n0\r\n\r\n"):
        status, _, body = exchange(port, HANDSHAKE[: -len(end)] + b"\r\n" + extra)
        assert (status, body) == (400, b"a WebSocket handshake has no body\n"), extra


def test_a_websocket_handshake_with_two_origins_gets_400(server: tuple[ServerThread, int]) -> None:
    _, port = server
    origins = b"Origin: http://localhost\r\nOrigin: http://evil.example\r\n\r\n"
    status, _, _ = exchange(port, HANDSHAKE[:-2] + origins)
    assert status == 400


def test_invalid_utf8_in_a_text_message_closes_with_1007(server: tuple[ServerThread, int]) -> None:
    _, port = server
    with open_websocket(port) as sock:
        sock.sendall(client_frame(Opcode.TEXT, b'{"action": "version", "x": "\xff"}'))
        opcode, payload = read_server_frame(sock)
        assert opcode == 0x88 and int.from_bytes(payload[:2], "big") == 1007
        assert closed_within(sock, 2)


def test_a_message_above_ws_max_message_bytes_closes_with_1009(tmp_path: Path) -> None:
    with running_server(tmp_path, wsMaxMessageBytes=2048, wsPingInterval=0) as (_, port):
        sock = open_websocket(port)
        try:
            sock.sendall(client_frame(Opcode.TEXT, b'{"id": 1, "action": "version"}'))
            assert read_server_frame(sock) == (0x81, b'{"id":1,"result":6,"error":null}')
            sock.sendall(client_frame(Opcode.TEXT, b" " * 4096))
            opcode, payload = read_server_frame(sock)
            assert opcode == 0x88 and int.from_bytes(payload[:2], "big") == 1009
        finally:
            sock.close()


def test_utf8_split_across_fragments_is_accepted(server: tuple[ServerThread, int]) -> None:
    _, port = server
    message = '{"id": "é", "action": "version", "version": 6}'.encode()
    cut = message.index("é".encode()) + 1  # inside the two bytes of é
    with open_websocket(port) as sock:
        sock.sendall(client_frame(Opcode.TEXT, message[:cut], fin=False) + client_frame(Opcode.CONT, message[cut:]))
        opcode, payload = read_server_frame(sock)
        assert (opcode, json.loads(payload)) == (0x81, {"id": "é", "result": 6, "error": None})


def test_a_request_the_api_log_cannot_write_is_still_answered(server: tuple[ServerThread, int]) -> None:
    thread, port = server
    thread.app.log_to("/dev/full")  # every write fails: a full disk
    body = b'{"action": "version", "version": 6}'
    status, _, reply = exchange(port, b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert (status, json.loads(reply)) == (200, {"result": 6, "error": None})
    with connect(f"ws://127.0.0.1:{port}/") as ws:
        ws.send(b'{"id": 7, "action": "version"}')
        assert json.loads(ws.recv(timeout=5)) == {"id": 7, "result": 6, "error": None}
    thread.app.log_to(None)


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
    assert strict_json(body) == {"result": {"Default": [[None], [2**64]]}, "error": None}
    # HTTP: absurd nesting is a clear error, not a 500
    status, body = _post(port, b'{"action": "getDecks", "version": 6, "params": {"cards": %s}}' % _deep(990).encode())
    assert status == 200
    assert strict_json(body) == {"result": None, "error": TOO_DEEP}
    # WebSocket: one reply per message; the id comes back whenever it can
    with connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
        ws.send('{"id": %s, "action": "version"}' % _deep(1000))
        reply = strict_json(ws.recv(timeout=5))
        assert reply["id"] is None and reply["result"] is None and reply["error"].startswith(TOO_DEEP)
        ws.send('{"id": 7, "action": "version", "params": {"x": %s}}' % _deep(1000))
        assert strict_json(ws.recv(timeout=5)) == {"id": 7, "result": None, "error": TOO_DEEP}
        ws.send('{"id": [8, %s], "action": "version"}' % _deep(200))
        assert strict_json(ws.recv(timeout=5))["id"] is None
        ws.send('{"id": 9, "action": "getDecks", "params": {"cards": [[1e400]]}}')  # 1e400 is Infinity
        assert strict_json(ws.recv(timeout=5))["id"] is None  # strict JSON in: invalid, no id
        ws.send('{"id": 10, "action": "getDecks", "params": {"cards": [%s]}}' % _deep(MAX_DEPTH - 4))
        reply = strict_json(ws.recv(timeout=5))
        assert reply["id"] == 10 and reply["error"] is None  # at the limit: answered in full
        ws.send('{"id": 11, "action": "version"}')
        assert strict_json(ws.recv(timeout=5)) == {"id": 11, "result": 6, "error": None}


@pytest.mark.parametrize("platform", ["linux", "cygwin"])
def test_the_listener_never_shares_a_busy_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               platform: str) -> None:
    """SO_REUSEADDR lets a restart bind on Unix, but on Windows it lets a second server
    bind a port another one listens on (AnkiConnect on 8765: both would get requests,
    and no "cannot listen" would be shown). asyncio sets it by default on Unix only; its
    check is ``sys.platform != "cygwin"``, patched here to take the Windows path on this
    machine (the Windows behaviour itself cannot be caused on Linux)."""
    monkeypatch.setattr(sys, "platform", platform)
    with running_server(tmp_path) as (thread, _):
        assert thread._server is not None
        listener = thread._server.sockets[0]
        reuse = listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
    assert bool(reuse) == (platform == "linux")


def test_a_port_in_use_is_named_as_such(tmp_path: Path) -> None:
    """The notice must say what to do about the usual cause (AnkiConnect still enabled),
    and only for that cause: an address this machine does not have is not AnkiConnect."""
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    try:
        with running_server(tmp_path) as (thread, _):
            errors = {}
            for host in ("127.0.0.1", "192.0.2.1"):  # 192.0.2.1: TEST-NET-1, never local
                outcome: dict[str, object] = {}
                thread.rebind(host, port, lambda address, error: outcome.update(address=address, error=error)).result(5)
                assert outcome["address"] is None
                errors[host] = str(outcome["error"])
    finally:
        holder.close()
    assert errors["127.0.0.1"] == (f"cannot listen on 127.0.0.1:{port}: "
                                   "the port is in use (is AnkiConnect, or another program, listening there?)")
    assert errors["192.0.2.1"].startswith(f"cannot listen on 192.0.2.1:{port}: ") and "AnkiConnect" not in errors["192.0.2.1"]


def test_a_port_in_use_is_taken_once_it_is_free(tmp_path: Path) -> None:
    """AnkiConnect (or an Anki still exiting) holds the port when the add-on starts:
    once it lets go, the add-on listens there without a restart of Anki."""
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    col = Collection(str(tmp_path / "c.anki2"))
    config = Config(webBindPort=port)
    app = App(Dispatcher(Environment(collection=lambda: col, settings=lambda: config)), lambda: config)
    thread = ServerThread(app, retry_interval=0.05)
    outcomes: list[tuple[object, object]] = []
    try:
        thread.start("127.0.0.1", port, lambda address, error: outcomes.append((address, error)))
        wait_until(lambda: outcomes, timeout=5)
        assert outcomes[0][0] is None and "the port is in use" in str(outcomes[0][1])
        holder.close()
        wait_until(lambda: len(outcomes) > 1, timeout=5)
        assert outcomes[1:] == [(("127.0.0.1", port), None)]  # one notice of each, no more
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/", body=b'{"action": "version", "version": 6}')
        assert conn.getresponse().read() == b'{"result": 6, "error": null}'
        conn.close()
    finally:
        holder.close()
        thread.stop()
        col.close()


# --- closed connections are freed at once (gc is off, as in Anki: see conftest.py) -------

def reset(sock: socket.socket) -> None:
    """Leave with a TCP reset (SO_LINGER 0), as a crashed client or a dropped network does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def the_session(thread: ServerThread) -> weakref.ref[object]:
    """A weak reference to the one open WebSocket session."""
    sessions = wait_until(lambda: list(thread.app.sessions), timeout=3)
    assert len(sessions) == 1
    return weakref.ref(sessions[0])


def freed(ref: weakref.ref[object]) -> bool:
    """Whether the object is freed by reference counting alone, within a second (the
    server thread finishes with it meanwhile)."""
    try:
        wait_until(lambda: ref() is None, timeout=1.0, interval=0.01)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("leaving", ["close frame", "FIN without a close frame", "TCP reset"])
def test_a_closed_websocket_session_is_freed_without_the_cycle_collector(
        server: tuple[ServerThread, int], leaving: str) -> None:
    """Anki collects cycles every 15 minutes: a session left in a cycle (its RequestInfo
    pointing back at it, an error whose traceback holds its frames) stays until then,
    and a client reconnecting in a loop grows Anki's memory."""
    thread, port = server
    sock = open_websocket(port)
    sock.sendall(client_frame(Opcode.TEXT, b'{"id": 1, "action": "subscribe", "params": {"events": "*"}}'))
    assert json.loads(read_server_frame(sock)[1])["error"] is None
    session = the_session(thread)
    protocol = weakref.ref(session().protocol)  # type: ignore[union-attr]
    if leaving == "close frame":
        sock.sendall(client_frame(Opcode.CLOSE, struct.pack("!H", 1000)))
        while read_server_frame(sock)[0] & 0x0F != Opcode.CLOSE.value:
            pass  # a keep-alive ping may come first
        sock.close()
    elif leaving == "FIN without a close frame":
        sock.close()
    else:
        reset(sock)
    wait_until(lambda: thread.open_connections == 0 and not thread.app.sessions, timeout=3)
    assert freed(session), "the closed session is kept by a reference cycle"
    assert freed(protocol), "the closed session's websockets protocol is kept by a reference cycle"


def test_an_http_connection_reset_mid_body_is_freed_without_the_cycle_collector(
        server: tuple[ServerThread, int]) -> None:
    thread, port = server
    sock = socket.create_connection(("127.0.0.1", port), timeout=3)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
    connections = wait_until(lambda: list(thread._connections.values()), timeout=3)
    connection = weakref.ref(connections[0])
    del connections
    reset(sock)
    wait_until(lambda: thread.open_connections == 0, timeout=3)
    assert freed(connection), "the reset connection (and the body it buffered) is kept by a reference cycle"


def test_a_websocket_that_leaves_while_its_request_runs_is_freed_after_the_reply(tmp_path: Path) -> None:
    """The request outlives its connection (it runs on Anki's main thread); writing its
    reply raises the reader's reset error again, which must not tie the session up."""
    release = threading.Event()

    async def held_main_thread(fn: Any) -> Any:  # Anki's main thread, busy until released
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 5)
        return fn()

    with running_server(tmp_path, run_on_main=held_main_thread) as (thread, port):
        sock = open_websocket(port)
        sock.sendall(client_frame(Opcode.TEXT, b'{"id": 1, "action": "findNotes", "params": {"query": ""}}'))
        session = the_session(thread)
        wait_until(lambda: (s := session()) is not None and s.tasks, timeout=3)  # type: ignore[attr-defined]
        reset(sock)
        wait_until(lambda: thread.open_connections == 0 and not thread.app.sessions, timeout=3)
        release.set()
        assert freed(session), "the session whose peer left mid-request is kept by a reference cycle"


def test_websocket_handshakes_leave_no_protocol_objects_behind(server: tuple[ServerThread, int]) -> None:
    """The handshake builds its response with a websockets protocol of its own, whose
    parser (a generator) holds it: refused or accepted, it must not stay in a cycle."""
    thread, port = server
    def protocols() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is ServerProtocol)

    before = protocols()
    assert exchange(port, HANDSHAKE.replace(b"\r\n\r\n", b"\r\n" + UNTRUSTED + b"\r\n"))[0] == 403
    sock = open_websocket(port)
    sock.close()
    wait_until(lambda: thread.open_connections == 0 and not thread.app.sessions, timeout=3)
    try:
        wait_until(lambda: protocols() == before, timeout=1.0, interval=0.01)
    except AssertionError:
        raise AssertionError(f"{protocols() - before} websockets protocols kept by reference cycles") from None
