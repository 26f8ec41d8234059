"""A test client's side of the event protocol: subscribe over a WebSocket, wait for the
next pushed event. Every reply and event is checked against the API's schema."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.sync.client import ClientConnection

from bench.anki_process import AnkiProcess

from .schema_check import check_event, check_result


def subscribe(ws: ClientConnection, events: list[str], **extra: Any) -> dict[str, Any]:
    ws.send(json.dumps({"id": "sub", "action": "subscribe", "params": {"events": events, **extra}}))
    reply = json.loads(ws.recv(timeout=10))
    assert reply["id"] == "sub" and reply["error"] is None, reply
    check_result("subscribe", reply["result"])
    return reply["result"]


def next_event(ws: ClientConnection, name: str | None = None, timeout: float = 15) -> dict[str, Any]:
    """The next pushed event (optionally the next one called ``name``)."""
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if "event" in message:
            check_event(message)  # as docs/asyncapi.json describes it
        if "event" in message and (name is None or message["event"] == name):
            return message


def add_note(anki: AnkiProcess, deck: str, front: str) -> int:
    anki("createDeck", deck=deck)
    return anki("addNote", note={"deckName": deck, "modelName": "Basic", "fields": {"Front": front, "Back": "b"}})
