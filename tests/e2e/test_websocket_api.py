"""The WebSocket endpoint against the real Anki: ids, overtaking, handshake checks, and
a profile close while connected."""

from __future__ import annotations

import json
import threading

import pytest
from websockets.exceptions import InvalidStatus

from bench.anki_process import AnkiProcess
from .conftest import API_KEY


def test_hundred_requests_without_waiting_mixed_ids(anki: AnkiProcess) -> None:
    ids = [i if i % 2 else f"req-{i}" for i in range(100)]
    with anki.ws() as ws:
        for i, request_id in enumerate(ids):
            action = "deckNames" if i % 3 else "version"
            ws.send(json.dumps({"id": request_id, "action": action, "version": 6}))
        replies = [json.loads(ws.recv(timeout=30)) for _ in ids]
    by_id = {json.dumps(r["id"]): r for r in replies}
    assert sorted(by_id) == sorted(json.dumps(i) for i in ids)  # every id exactly once, same type
    for i, request_id in enumerate(ids):
        reply = by_id[json.dumps(request_id)]
        assert reply["error"] is None
        assert set(reply) == {"id", "result", "error"}
        if i % 3:
            assert "Default" in reply["result"]
        else:
            assert reply["result"] == 6


def test_replies_are_always_enveloped_and_id_defaults_to_null(anki: AnkiProcess) -> None:
    with anki.ws() as ws:
        ws.send(json.dumps({"action": "version", "version": 4}))
        assert json.loads(ws.recv(timeout=10)) == {"id": None, "result": 6, "error": None}
        ws.send(json.dumps({"id": 5, "action": "nope"}))
        assert json.loads(ws.recv(timeout=10)) == {"id": 5, "result": None, "error": "unsupported action"}
        ws.send("{not json")
        bad = json.loads(ws.recv(timeout=10))
        assert bad["id"] is None and bad["result"] is None and "JSON" in bad["error"]
        ws.send(json.dumps({"id": "x", "action": 3}))
        assert json.loads(ws.recv(timeout=10)) == {"id": "x", "result": None, "error": "3 is not of type 'string'"}


def test_fast_reply_overtakes_a_slow_one(anki: AnkiProcess) -> None:
    slow = {"id": "slow", "action": "multi", "version": 6,
            "params": {"actions": [{"action": "deckNames", "version": 6}] * 400}}
    with anki.ws() as ws:
        ws.send(json.dumps(slow))
        ws.send(json.dumps({"id": "fast", "action": "version", "version": 6}))
        first = json.loads(ws.recv(timeout=60))
        second = json.loads(ws.recv(timeout=60))
    assert first["id"] == "fast" and first["result"] == 6
    assert second["id"] == "slow" and len(second["result"]) == 400


def test_handshake_from_disallowed_origin_is_refused(anki: AnkiProcess) -> None:
    with pytest.raises(InvalidStatus) as refused:
        anki.ws(origin="https://evil.example")
    assert refused.value.response.status_code == 403
    with anki.ws(origin="chrome-extension://abcdef") as ws:  # implicitly trusted, as over HTTP
        ws.send(json.dumps({"id": 1, "action": "version"}))
        assert json.loads(ws.recv(timeout=10))["result"] == 6


def test_wrong_key_is_refused_and_right_key_authenticates(anki_keyed: AnkiProcess) -> None:
    with pytest.raises(InvalidStatus) as refused:
        anki_keyed.ws("/?key=wrong")
    assert refused.value.response.status_code == 403
    with anki_keyed.ws() as ws:  # no key on the handshake: each request needs its own
        ws.send(json.dumps({"id": 1, "action": "version"}))
        assert json.loads(ws.recv(timeout=10))["error"] == "valid api key must be provided"
        ws.send(json.dumps({"id": 2, "action": "version", "key": API_KEY}))
        assert json.loads(ws.recv(timeout=10))["result"] == 6
    with anki_keyed.ws(f"/?key={API_KEY}") as ws:
        ws.send(json.dumps({"id": 3, "action": "deckNames"}))
        assert "Default" in json.loads(ws.recv(timeout=10))["result"]


def test_profile_close_keeps_connection_and_answers_everything(anki: AnkiProcess) -> None:
    with anki.ws() as ws:
        # requests in flight while the profile closes
        for i in range(30):
            ws.send(json.dumps({"id": i, "action": "deckNames", "version": 6}))
        closer = threading.Thread(target=lambda: anki("unloadProfile"))
        closer.start()
        for i in range(30, 60):
            ws.send(json.dumps({"id": i, "action": "deckNames", "version": 6}))
        closer.join(60)
        replies = [json.loads(ws.recv(timeout=30)) for _ in range(60)]
        assert sorted(r["id"] for r in replies) == list(range(60))
        for reply in replies:
            assert reply["error"] in (None, "collection is not available")
            assert (reply["result"] is None) == (reply["error"] is not None)

        ws.send(json.dumps({"id": "closed", "action": "deckNames", "version": 6}))
        assert json.loads(ws.recv(timeout=10)) == {
            "id": "closed", "result": None, "error": "collection is not available",
        }
        ws.send(json.dumps({"id": "v", "action": "version", "version": 6}))
        assert json.loads(ws.recv(timeout=10))["result"] == 6

        ws.send(json.dumps({"id": "open", "action": "loadProfile", "params": {"name": "User 1"}}))
        assert json.loads(ws.recv(timeout=60)) == {"id": "open", "result": True, "error": None}
        ws.send(json.dumps({"id": "again", "action": "deckNames", "version": 6}))
        again = json.loads(ws.recv(timeout=10))
        assert again["error"] is None and "Default" in again["result"]
    assert anki("getActiveProfile") == "User 1"
