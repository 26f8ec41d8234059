"""Params checked against the schema in the real Anki, over HTTP and over a WebSocket:
the same error, and nothing done."""

from __future__ import annotations

import json

from bench.anki_process import AnkiProcess

WRONG = 'getDeckStats: parameter "decks" must be an array, got a string'


def test_a_wrong_type_gets_the_same_clear_error_over_http_and_websocket(anki: AnkiProcess) -> None:
    before = anki("deckNames")
    assert anki.error("getDeckStats", decks="qz") == WRONG
    with anki.ws() as ws:
        ws.send(json.dumps({"id": 1, "action": "getDeckStats", "params": {"decks": "qz"}}))
        assert json.loads(ws.recv(timeout=10)) == {"id": 1, "result": None, "error": WRONG}
        ws.send(json.dumps({"id": 2, "action": "multi", "params": {"actions": [
            {"action": "getDeckConfig", "params": {"deck": 1}}, {"action": "version"}]}}))
        assert json.loads(ws.recv(timeout=10)) == {"id": 2, "error": None, "result": [
            {"result": None, "error": 'getDeckConfig: parameter "deck" must be a string, got an integer'}, 6]}
    assert anki("deckNames") == before  # no deck "q", no deck "z"
    # upstream's binding errors are kept
    assert anki.error("getDeckStats") == "AnkiConnect.getDeckStats() missing 1 required positional argument: 'decks'"
