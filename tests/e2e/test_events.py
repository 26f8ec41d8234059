"""Live events over the WebSocket against the real Anki."""

from __future__ import annotations

import json
import socket
import time
import uuid
from typing import Any


from bench.anki_process import AnkiProcess
from ..support.events import add_note, next_event, subscribe
from .conftest import SECOND_PROFILE


def test_subscribe_is_websocket_only(anki: AnkiProcess) -> None:
    assert anki.error("subscribe", events=["note"]) == "subscribe is only available over a WebSocket connection"
    with anki.ws() as ws:
        ws.send(json.dumps({"id": 1, "action": "subscribe", "params": {"events": ["bogus"]}}))
        assert json.loads(ws.recv(timeout=10))["error"] == "unknown event topic: bogus"


def test_note_added_updated_deleted_from_another_client(anki: AnkiProcess) -> None:
    deck = f"Events {uuid.uuid4().hex[:6]}"
    with anki.ws() as ws:
        result = subscribe(ws, ["note"])
        assert result["subscribed"] == ["note"] and isinstance(result["seq"], int)
        note_id = add_note(anki, deck, "event front")
        added = next_event(ws, "note.added")
        assert note_id in added["data"]["noteIds"]
        assert added["seq"] > result["seq"] and isinstance(added["time"], int)

        anki("updateNoteFields", note={"id": note_id, "fields": {"Front": "changed"}})
        updated = next_event(ws, "note.updated")
        assert note_id in updated["data"]["noteIds"] and updated["seq"] > added["seq"]

        anki("deleteNotes", notes=[note_id])
        deleted = next_event(ws, "note.deleted")
        assert deleted["data"]["noteIds"] == [note_id] and deleted["seq"] > updated["seq"]


def test_review_events_in_order(anki: AnkiProcess) -> None:
    deck = f"Review events {uuid.uuid4().hex[:6]}"
    add_note(anki, deck, "review me")
    card_id = anki("findCards", query=f'"deck:{deck}"')[0]
    with anki.ws() as ws:
        subscribe(ws, ["review"])
        assert anki("guiDeckReview", name=deck) is True
        question = next_event(ws, "review.question")
        assert question["data"]["cardId"] == card_id and question["data"]["deck"] == deck
        assert "review me" in question["data"]["question"]
        assert anki("guiShowAnswer") is True
        answer = next_event(ws, "review.answer")
        assert answer["data"]["cardId"] == card_id and answer["seq"] > question["seq"]
        assert anki("guiAnswerCard", ease=3) is True
        answered = next_event(ws, "review.answered")
        assert answered["seq"] > answer["seq"]
        data = answered["data"]
        assert data["cardId"] == card_id and data["ease"] == 3 and data["deck"] == deck
        assert {"interval", "due", "timeTaken", "counts", "noteId"} <= set(data)
    anki("guiDeckBrowser")


def test_a_requests_events_arrive_before_its_reply(anki: AnkiProcess) -> None:
    """Change detection runs before the request's reply is released (runner.py), so the
    subscriber that made the change sees its event first."""
    deck = f"Order {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    with anki.ws() as ws:
        subscribe(ws, ["note"])
        for i in range(5):
            note = {"deckName": deck, "modelName": "Basic", "fields": {"Front": f"order {i}", "Back": "b"}}
            ws.send(json.dumps({"id": f"add {i}", "action": "addNote", "params": {"note": note}}))
            before_reply: list[dict[str, Any]] = []
            while (message := json.loads(ws.recv(timeout=10))).get("id") != f"add {i}":
                before_reply.append(message)
            added = [n for e in before_reply if e.get("event") == "note.added" for n in e["data"]["noteIds"]]
            assert message["result"] in added, (message, before_reply)


def test_reconnect_with_since_replays_exactly_the_missed_events(anki: AnkiProcess) -> None:
    deck = f"Replay {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    with anki.ws() as ws:
        last = subscribe(ws, ["note"])["seq"]
    for i in range(5):
        add_note(anki, deck, f"missed {i}")
    with anki.ws() as ws:
        result = subscribe(ws, ["note"], since=last)
        events = [next_event(ws) for _ in range(5)]
        assert [e["event"] for e in events] == ["note.added"] * 5
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == 5 and seqs[-1] <= result["seq"]
        # nothing else was missed: the next event is a new one
        add_note(anki, deck, "live")
        assert next_event(ws)["seq"] > result["seq"]

    with anki.ws() as ws:  # a since from outside the buffer (or another run) -> one reset
        subscribe(ws, ["note"], since=10**9)
        assert next_event(ws)["event"] == "reset"


def test_collection_events_across_profile_switch(anki: AnkiProcess) -> None:
    with anki.ws() as ws:
        subscribe(ws, ["collection"])
        assert SECOND_PROFILE in anki("getProfiles")
        for target in (SECOND_PROFILE, "User 1"):
            assert anki("loadProfile", name=target) is True
            closed = next_event(ws, "collection.closed")
            opened = next_event(ws, "collection.opened")
            assert opened["seq"] > closed["seq"] and opened["data"]["profile"] == target
    assert anki("getActiveProfile") == "User 1"


def _stalled_subscriber(anki: AnkiProcess) -> socket.socket:
    """A raw WebSocket client that subscribes to everything and then never reads."""
    stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
    stalled.connect((anki.host, anki.port))
    stalled.sendall(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert b"101" in stalled.recv(4096)
    payload = json.dumps({"id": 1, "action": "subscribe", "params": {"events": ["*"]}}).encode()
    mask = b"\x01\x02\x03\x04"
    stalled.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    return stalled


def test_stalled_subscriber_does_not_slow_others(anki: AnkiProcess) -> None:
    deck = f"Flood {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    notes = [{"deckName": deck, "modelName": "Basic", "fields": {"Front": f"flood {i}", "Back": "b"}}
             for i in range(4000)]
    note_ids = anki("addNotes", notes=notes)
    stalled = _stalled_subscriber(anki)
    try:
        with anki.ws() as ws:
            subscribe(ws, ["note"])
            lags = []
            stalled_view: list[dict[str, Any]] = []
            status: dict[str, Any] = {}
            for round_number in range(40):
                # each tag change on 4000 notes is one ~60 kB event: the stalled socket's
                # kernel buffers fill after a few MB, then its queue overflows
                for i in range(10):
                    anki("addTags" if i % 2 == 0 else "removeTags", notes=note_ids, tags=f"t{round_number}")
                # events arrive in order: once the marker's event is here, all before it are too
                sent = time.monotonic()
                marker = add_note(anki, deck, f"marker {round_number}")
                while marker not in next_event(ws, "note.added")["data"]["noteIds"]:
                    pass
                lags.append(time.monotonic() - sent)
                status = anki("serverStatus")
                stalled_view = [c for c in status["clients"] if c["topics"] == ["*"]]
                if stalled_view and stalled_view[0]["resets"] > 0:
                    break
            assert stalled_view and stalled_view[0]["resets"] > 0, ("never overflowed", status["events"])
            assert stalled_view[0]["queued"] <= status["events"]["queueSize"]  # bounded memory
            # the reading subscriber kept up: it got every marker (next_event waits at most
            # 15 s for each) and lost nothing - how fast is bench/events.py's question
            reading_view = [c for c in status["clients"] if c["topics"] == ["note"]]
            assert reading_view and reading_view[0]["resets"] == 0, (reading_view, lags)
            assert anki("version") == 6  # and the HTTP API still answers
    finally:
        stalled.close()


def test_deck_and_model_list_changes(anki: AnkiProcess) -> None:
    deck = f"Deck events {uuid.uuid4().hex[:6]}"
    model = f"Model events {uuid.uuid4().hex[:6]}"
    with anki.ws() as ws:
        subscribe(ws, ["deck", "model"])
        deck_id = anki("createDeck", deck=deck)
        assert next_event(ws, "deck.added")["data"] == {"id": deck_id, "name": deck}
        created = anki("createModel", modelName=model, inOrderFields=["A", "B"],
                       cardTemplates=[{"Front": "{{A}}", "Back": "{{B}}"}])
        assert next_event(ws, "model.added")["data"] == {"id": int(created["id"]), "name": model}
        anki("deleteDecks", decks=[deck], cardsToo=True)
        assert next_event(ws, "deck.deleted")["data"] == {"id": deck_id, "name": deck}


def test_a_sliced_batch_reports_all_its_notes(anki: AnkiProcess) -> None:
    """addNotes runs in main-thread slices; every slice's notes are announced, the last
    one too, without waiting for some later request."""
    deck = f"Sliced {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    notes = [{"deckName": deck, "modelName": "Basic", "fields": {"Front": f"sliced {i}", "Back": "b"}}
             for i in range(1500)]
    with anki.ws() as ws:
        subscribe(ws, ["note"])
        ids = set(anki("addNotes", notes=notes))
        seen: set[int] = set()
        while not ids <= seen:
            seen.update(next_event(ws, "note.added", timeout=10)["data"]["noteIds"])
