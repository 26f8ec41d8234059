"""The founding document's GUI and profile actions give the same results over the
WebSocket as over HTTP (the non-GUI ones are compared in test_seed_actions.py)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from bench.anki_process import AnkiProcess


def over_ws(anki: AnkiProcess, action: str, **params: Any) -> dict[str, Any]:
    with anki.ws() as ws:
        ws.send(json.dumps({"id": action, "action": action, "version": 6, "params": params}))
        reply = json.loads(ws.recv(timeout=30))
    assert reply["id"] == action
    return {"result": reply["result"], "error": reply["error"]}


def same_both_ways(anki: AnkiProcess, action: str, **params: Any) -> Any:
    http = anki.envelope(action, **params)
    ws = over_ws(anki, action, **params)
    assert ws == http, (action, http, ws)
    return http["result"]


def test_gui_seed_actions_match_over_both_protocols(anki: AnkiProcess) -> None:
    deck = f"WS GUI {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    anki("addNote", note={"deckName": deck, "modelName": "Basic", "fields": {"Front": "ws gui", "Back": "b"}})
    try:
        assert same_both_ways(anki, "guiDeckBrowser") is None
        assert same_both_ways(anki, "guiCurrentCard") is None  # seed: null outside review
        assert same_both_ways(anki, "guiShowQuestion") is False
        assert same_both_ways(anki, "guiShowAnswer") is False
        assert same_both_ways(anki, "guiAnswerCard", ease=1) is False
        assert same_both_ways(anki, "guiDeckOverview", name=deck) is True
        assert same_both_ways(anki, "guiDeckReview", name=deck) is True
        card = same_both_ways(anki, "guiCurrentCard")
        assert card["deckName"] == deck and "ws gui" in card["question"]
        assert same_both_ways(anki, "guiStartCardTimer") is True
        assert same_both_ways(anki, "guiShowQuestion") is True
        cards = same_both_ways(anki, "guiBrowse", query=f'"deck:{deck}"')
        assert cards == [card["cardId"]]
        assert same_both_ways(anki, "guiAddCards") == 0
        assert same_both_ways(anki, "upgrade") is False
        same_both_ways(anki, "sync")  # same envelope both ways, and it is this error:
        assert anki.envelope("sync")["error"] == "sync: auth not configured"
        assert same_both_ways(anki, "loadProfile", name="User 1") is True
        assert over_ws(anki, "loadProfile", name="user1")["error"] == "profile was not found: user1"
    finally:
        # close the Browser and Add windows the calls opened
        anki("unloadProfile")
        anki("loadProfile", name="User 1")
        anki("guiDeckBrowser")


def test_gui_exit_anki_over_websocket(tmp_path: Path) -> None:
    process = AnkiProcess(tmp_path / "exit-ws")
    try:
        assert over_ws(process, "guiExitAnki") == {"result": None, "error": None}
        assert process.proc.wait(30) == 0
    finally:
        process.stop()


def test_exit_with_requests_in_flight_answers_or_closes_cleanly(tmp_path: Path) -> None:
    """Requests still queued when Anki exits get an answer or a clean close, never a hang."""
    from websockets.exceptions import ConnectionClosed

    process = AnkiProcess(tmp_path / "exit-busy")
    try:
        with process.ws() as ws:
            ws.send(json.dumps({"id": "exit", "action": "guiExitAnki"}))
            for i in range(300):
                ws.send(json.dumps({"id": i, "action": "deckNames", "version": 6}))
            replies = []
            try:
                while True:
                    replies.append(json.loads(ws.recv(timeout=30)))
            except ConnectionClosed as closed:
                assert closed.rcvd is None or closed.rcvd.code in (1000, 1001), closed.rcvd
        assert {"id": "exit", "result": None, "error": None} in replies
        for reply in replies:
            assert set(reply) == {"id", "result", "error"}
            assert reply["error"] in (None, "collection is not available", "Anki is closing"), reply
        assert process.proc.wait(30) == 0
    finally:
        process.stop()
