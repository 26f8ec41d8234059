"""Memory under connection churn: does Anki's resident memory stay flat while clients
connect, are refused, time out or vanish, thousands of times?

bench/memory.py measures requests over a kept connection; this measures connections,
with the same probe add-on and the same sampling (its ``drive``): the real Anki through
the CLI, so automatic garbage collection is off as Anki sets it up, and whatever a
connection leaves in a reference cycle stays until Anki's next 15-minute collection.

Categories, each on a fresh Anki (1,000 Basic notes), ``--connections`` times:

  * ``HTTP, new connection each``: one ``version`` request per TCP connection;
  * ``WebSocket open, request, clean close``: the ``websockets`` client, close handshake;
  * ``WebSocket subscribe + reset``: subscribe to every event, then a TCP reset (no close frame);
  * ``refused handshakes``: in turn a WebSocket with an untrusted Origin, an HTTP POST
    with an untrusted Origin, a WebSocket with a wrong ``?key=`` (apiKey set);
  * ``header timeouts``: a partial request head, then silence until the server closes
    it after ``headerTimeout`` (1 s, its minimum; ``--every`` of them at once);
  * ``WebSocket gone mid-request``: a ``notesInfo`` of 1,000 notes (Anki's main thread), a
    ``version`` that overtakes it (so the server has read both), then a reset (odd
    connections) or a plain TCP close without a close frame (even ones); then a
    ``deckNames`` on the kept HTTP connection, answered after notesInfo has run.

Measured as in memory.py (RSS slope and gc gen0 count per 1,000 connections after
``--warmup``, descriptors, what a final ``gc.collect()`` frees), plus the server's own
bookkeeping - open sessions (App.sessions), event subscribers (EventBus.subscribers),
connections (ServerThread._connections) - once the churn has settled, before and after
the collection. The benchmark's own keep-alive HTTP connection and WebSocket count in
them (2 connections, 1 session).

    .venv/bin/python bench/connections.py [--quick] [--connections N] [--only TEXT]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from _anki import machine
from memory import Session, Step, drive, print_table

UNTRUSTED = "http://evil.example"
API_KEY = "bench-key"


class RawWebSocket:
    """A WebSocket client on a plain socket, so that it can vanish without a close frame."""

    def __init__(self, session: Session, path: str = "/", origin: str | None = None) -> None:
        anki = session.anki
        self.sock = socket.create_connection((anki.host, anki.port), timeout=60)
        self.buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        head = (f"GET {path} HTTP/1.1\r\nHost: {anki.host}:{anki.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                + (f"Origin: {origin}\r\n" if origin else "") + "\r\n")
        self.sock.sendall(head.encode())
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        response, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.status = int(response.split()[1])

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed by the server")
        self.buffer += data

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def send(self, message: dict[str, Any]) -> None:
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        size = len(payload)
        length = (bytes([0x80 | size]) if size < 126 else
                  bytes([0x80 | 126]) + struct.pack("!H", size) if size < 65536 else
                  bytes([0x80 | 127]) + struct.pack("!Q", size))
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes([0x81]) + length + mask + masked)

    def receive(self) -> dict[str, Any]:
        """The next text message (the server sends no fragments and, here, no pings)."""
        first, second = self._take(2)
        size = second & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._take(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._take(8))[0]
        payload = self._take(size)
        if first & 0x0F != 1:
            raise RuntimeError(f"expected a text frame, got opcode {first & 0x0F}")
        return json.loads(payload)

    def reset(self) -> None:
        """Vanish with a TCP reset (SO_LINGER 0), no close frame."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def drop(self) -> None:
        """Vanish with a plain TCP close (FIN), no close frame."""
        self.sock.close()


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise RuntimeError(what)


def http_new_connection(session: Session) -> Step:
    def step(n: int) -> None:
        status, _, body = session.anki.post({"action": "version", "version": 6})
        expect(status == 200 and json.loads(body)["result"] == 6, f"version: {status} {body[:200]!r}")
    return step


def websocket_clean(session: Session) -> Step:
    def step(n: int) -> None:
        with session.anki.ws() as ws:
            ws.send(json.dumps({"id": n, "action": "version"}))
            expect(json.loads(ws.recv(timeout=60))["result"] == 6, "version over WebSocket")
    return step


def websocket_subscribe_reset(session: Session) -> Step:
    def step(n: int) -> None:
        ws = RawWebSocket(session)
        ws.send({"id": n, "action": "subscribe", "params": {"events": "*"}})
        reply = ws.receive()
        expect(reply["error"] is None, f"subscribe: {reply}")
        ws.reset()
    return step


def refused(session: Session) -> Step:
    def untrusted_websocket() -> None:
        ws = RawWebSocket(session, origin=UNTRUSTED)
        ws.drop()
        expect(ws.status == 403, f"untrusted WebSocket: {ws.status}")

    def untrusted_post() -> None:
        status, _, _ = session.anki.post({"action": "version", "version": 6}, headers={"Origin": UNTRUSTED})
        expect(status == 403, f"untrusted POST: {status}")

    def wrong_key() -> None:
        ws = RawWebSocket(session, path="/?key=wrong")
        ws.drop()
        expect(ws.status == 403, f"wrong key: {ws.status}")

    kinds = [untrusted_websocket, untrusted_post, wrong_key]
    return lambda n: kinds[n % len(kinds)]()


def header_timeouts(session: Session, batch: int) -> Step:
    """``batch`` partial heads at once; the last of a batch waits until the server has
    closed them all."""
    waiting: list[socket.socket] = []

    def step(n: int) -> None:
        sock = socket.create_connection((session.anki.host, session.anki.port), timeout=60)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-")
        waiting.append(sock)
        if len(waiting) >= batch:
            for sock in waiting:
                with sock:
                    reply = sock.recv(65536)  # the server closes it (no reply: no request yet)
                    expect(reply == b"", f"a partial head got {reply[:100]!r}")
            waiting.clear()
    return step


def websocket_gone_mid_request(session: Session, overtaken: list[int]) -> Step:
    def step(n: int) -> None:
        ws = RawWebSocket(session)
        ws.send({"id": "slow", "action": "notesInfo", "params": {"notes": session.note_ids}})
        ws.send({"id": "quick", "action": "version"})
        if ws.receive()["id"] == "quick":
            overtaken[0] += 1  # notesInfo was still running when the client left
        (ws.reset if n % 2 else ws.drop)()
        # the main thread answers in turn: once this is answered, notesInfo has ended
        # too (otherwise the jobs pile up and the figures measure the queue)
        session.http.call("deckNames")
    return step


def settle(session: Session, baseline: dict[str, int], seconds: float = 30) -> dict[str, int]:
    """The server's bookkeeping once it is back to ``baseline`` (or after ``seconds``),
    after every job queued for the main thread has run."""
    session.http.call("deckNames")
    probe = session.probe
    deadline = time.monotonic() + seconds
    while True:
        figures = probe.gc()["server"]
        if figures == baseline or time.monotonic() > deadline:
            return figures
        time.sleep(0.1)


def run_category(name: str, make_step: Callable[[Session], Step], args: argparse.Namespace,
                 config: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    session = Session(config, chunks=1)
    try:
        probe = session.probe
        baseline = probe.gc()["server"]
        run = drive(probe, make_step(session), args.connections, args)
        server = settle(session, baseline)
        settled_rss, settled_fds = probe.rss_kib() / 1024, probe.fds()
        collected = probe.gc(collect=True)
        after_rss = probe.rss_kib() / 1024
    finally:
        session.close()

    def book(figures: dict[str, int]) -> str:
        return f"{figures['sessions']}/{figures['subscribers']}/{figures['connections']}"

    line = (f"{name}: {run.done} connections in {run.seconds:.0f} s"
            f"{' (stopped: RSS over --max-rss)' if run.capped else ''}; "
            f"RSS {run.start_rss:.0f} -> {settled_rss:.0f} MiB: {run.growth:+.2f} MiB per 1,000 connections; "
            f"gc gen0 objects {run.kept:+,.0f} per 1,000 connections; gc runs during it: {run.gc_runs}; "
            f"fds {run.start_fds} -> {settled_fds}; sessions/subscribers/connections {book(baseline)} before, "
            f"{book(server)} after, {book(collected['server_after'])} after gc.collect(), which freed "
            f"{collected['freed']:,} objects, RSS -> {after_rss:.0f} MiB")
    row = [name, f"{run.done:,}", f"{run.growth:+.2f}", f"{run.kept:+,.0f}", f"{collected['freed']:,}",
           f"{run.start_fds}->{settled_fds}", f"{book(baseline)} -> {book(server)}"]
    return line, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 connections per category")
    parser.add_argument("--connections", type=int, default=1000, help="connections per category (default 1,000)")
    parser.add_argument("--every", type=int, default=50, help="measure every N connections (default 50)")
    parser.add_argument("--warmup", type=int, default=100, help="connections before the slope starts (default 100)")
    parser.add_argument("--max-rss", type=float, default=3000, help="stop a category once Anki's RSS passes "
                        "this many MiB (default 3,000)")
    parser.add_argument("--only", help="run only the categories whose name contains this text")
    args = parser.parse_args()
    if args.quick:
        args.connections = 300
    overtaken = [0]
    categories: dict[str, tuple[Callable[[Session], Step], dict[str, Any] | None]] = {
        "HTTP, new connection each": (http_new_connection, None),
        "WebSocket open, request, clean close": (websocket_clean, None),
        "WebSocket subscribe + reset": (websocket_subscribe_reset, None),
        "refused handshakes (3 kinds in turn)": (refused, {"apiKey": API_KEY}),
        "header timeouts": (lambda s: header_timeouts(s, args.every), {"headerTimeout": 1}),
        "WebSocket gone mid-request": (lambda s: websocket_gone_mid_request(s, overtaken), None),
    }
    print(f"machine: {machine()}")
    print(f"each category on a fresh Anki (automatic gc off, as Anki runs) with 1,000 Basic notes; "
          f"RSS of the Anki process every {args.every} connections, slope from connection {args.warmup}")
    rows = []
    for name, (make_step, config) in categories.items():
        if args.only and args.only not in name:
            continue
        line, row = run_category(name, make_step, args, config)
        print(line, flush=True)
        if name.startswith("WebSocket gone"):
            print(f"    (the client left while notesInfo still ran in {overtaken[0]} of them)")
        rows.append(row)
    print_table(["category", "connections", "RSS MiB / 1,000", "gen0 objects / 1,000", "freed by gc.collect()",
                 "fds", "sessions/subscribers/connections"], rows)


if __name__ == "__main__":
    main()
