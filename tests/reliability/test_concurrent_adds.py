"""16 clients add notes at the same time, over HTTP and WebSocket: every note is added
exactly once, every request is answered, and no client is locked out by the others."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bench.anki_process import AnkiProcess
from ..support.report import report
from ..support.wire import HttpClient, envelope_problem, strict_json

pytestmark = pytest.mark.reliability

NOTES_PER_CLIENT = 250
DECK = "Concurrent"
TIMEOUT = 30.0
#: (kind, how many clients): HTTP on one keep-alive connection, HTTP with a new
#: connection per request, WebSocket one request at a time, WebSocket 8 in flight
CLIENT_KINDS = [("http-keepalive", 4), ("http-new-connection", 4), ("ws-sequential", 4), ("ws-pipelined", 4)]


@dataclass
class Client:
    name: str
    fronts: list[str]
    ids: dict[str, int] = field(default_factory=dict)  # front -> note id
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    finished: float = 0.0


def note(front: str) -> dict[str, Any]:
    return {"deckName": DECK, "modelName": "Basic", "fields": {"Front": front, "Back": "concurrent"},
            "tags": ["concurrent"]}


def request_body(front: str, request_id: Any = None) -> bytes:
    body: dict[str, Any] = {"action": "addNote", "version": 6, "params": {"note": note(front)}}
    if request_id is not None:
        body["id"] = request_id
    return json.dumps(body).encode()


def record(client: Client, front: str, reply: Any, request_id: Any = ...) -> None:
    problem = envelope_problem(reply, request_id)
    if problem or reply["error"] is not None or not isinstance(reply["result"], int):
        client.problems.append(f"{front}: {problem or reply}")
    else:
        client.ids[front] = reply["result"]


def run_http(anki: AnkiProcess, client: Client, keep_alive: bool) -> None:
    http = HttpClient(anki.host, anki.port, TIMEOUT)
    try:
        for front in client.fronts:
            began = time.monotonic()
            outcome = http.send(request_body(front))
            client.latencies.append(time.monotonic() - began)
            if isinstance(outcome, str) or outcome[0] != 200:
                client.problems.append(f"{front}: {outcome!r}")
            else:
                record(client, front, strict_json(outcome[1]))
            if not keep_alive:
                http.close()
    finally:
        http.close()


def run_ws(anki: AnkiProcess, client: Client, window: int) -> None:
    with anki.ws() as ws:
        pending = list(reversed(client.fronts))
        in_flight: dict[int, tuple[str, float]] = {}
        next_id = 0
        while pending or in_flight:
            while pending and len(in_flight) < window:
                front = pending.pop()
                next_id += 1
                in_flight[next_id] = (front, time.monotonic())
                ws.send(request_body(front, next_id).decode())
            reply = strict_json(ws.recv(timeout=TIMEOUT))  # TimeoutError fails the client
            if not isinstance(reply, dict) or reply.get("id") not in in_flight:
                client.problems.append(f"reply for no request in flight: {reply}")
                continue
            front, began = in_flight.pop(reply["id"])
            client.latencies.append(time.monotonic() - began)
            record(client, front, reply, reply["id"])


@pytest.fixture(scope="module")
def anki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnkiProcess]:
    process = AnkiProcess(tmp_path_factory.mktemp("concurrent") / "base")
    try:
        yield process
    finally:
        process.stop()


def test_sixteen_clients_add_notes_at_once(anki: AnkiProcess) -> None:
    assert anki("createDeck", deck=DECK)
    clients: list[Client] = []
    runners: list[Callable[[], None]] = []
    for kind, count in CLIENT_KINDS:
        for number in range(count):
            client = Client(f"{kind}-{number}", [f"{kind} {number} note {i}" for i in range(NOTES_PER_CLIENT)])
            clients.append(client)
            runners.append({
                "http-keepalive": lambda c=client: run_http(anki, c, keep_alive=True),
                "http-new-connection": lambda c=client: run_http(anki, c, keep_alive=False),
                "ws-sequential": lambda c=client: run_ws(anki, c, window=1),
                "ws-pipelined": lambda c=client: run_ws(anki, c, window=8),
            }[kind])
    start = threading.Barrier(len(clients) + 1)
    began = 0.0

    def run(client: Client, runner: Callable[[], None]) -> None:
        start.wait()
        try:
            runner()
        except Exception as exc:  # noqa: BLE001 - a timeout or closed socket is a finding
            client.problems.append(f"client failed: {type(exc).__name__}: {exc}")
        client.finished = time.monotonic() - began

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in zip(clients, runners)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join(timeout=NOTES_PER_CLIENT * TIMEOUT)  # each wait inside is bounded by TIMEOUT
    elapsed = time.monotonic() - began
    assert not any(t.is_alive() for t in threads), "a client never finished"

    acknowledged = {front: nid for client in clients for front, nid in client.ids.items()}
    found = anki("findNotes", query=f'"deck:{DECK}"')
    latencies = sorted(x for client in clients for x in client.latencies)
    finishes = sorted(client.finished for client in clients)
    total = len(clients) * NOTES_PER_CLIENT
    report(f"concurrent addNote: {len(clients)} clients ({', '.join(f'{n} {k}' for k, n in CLIENT_KINDS)}) x "
           f"{NOTES_PER_CLIENT} notes = {total} requests in {elapsed:.1f} s ({total / elapsed:.0f} notes/s); "
           f"acknowledged {len(acknowledged)}, distinct ids {len(set(acknowledged.values()))}, "
           f"findNotes {len(found)}; latency median {latencies[len(latencies) // 2] * 1000:.1f} ms, "
           f"max {latencies[-1] * 1000:.0f} ms; clients finished between {finishes[0]:.1f} s and {finishes[-1]:.1f} s")

    problems = [f"{client.name}: {p}" for client in clients for p in client.problems]
    assert not problems, "\n".join(problems[:20])
    assert len(acknowledged) == total
    assert len(set(acknowledged.values())) == total, "two notes got the same id"
    assert sorted(found) == sorted(acknowledged.values()), "findNotes does not give exactly the added notes"
    stored = {info["fields"]["Front"]["value"]: info["noteId"] for info in anki("notesInfo", notes=found)}
    assert stored == acknowledged, "a note's content does not match what its client sent"
