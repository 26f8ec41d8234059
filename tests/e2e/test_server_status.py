"""serverStatus (ours): the figures behind the status page, over HTTP and WebSocket."""

from __future__ import annotations

import json
import re
import uuid

from bench.anki_process import AnkiProcess


def test_server_status_shape_and_live_figures(anki: AnkiProcess) -> None:
    marker = f"status-{uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=marker)
    anki.request({"action": "nope", "version": 6})
    anki.post({"action": "version"}, {"Origin": "https://refused.example"})
    with anki.ws(origin="chrome-extension://status-test") as ws:
        ws.send(json.dumps({"id": 1, "action": "subscribe", "params": {"events": ["note"]}}))
        json.loads(ws.recv(timeout=10))
        status = anki("serverStatus")

        server, facts = status["server"], status["anki"]
        assert server["address"] == f"127.0.0.1:{anki.port}"
        assert server["apiVersion"] == 6 and isinstance(server["uptime"], float)
        assert facts["profile"] == "User 1" and facts["collectionOpen"] is True
        assert facts["sync"] == "idle" and facts["state"] in ("deckBrowser", "overview", "review")
        assert re.fullmatch(r"\d+\.\d+(\.\d+)?", facts["version"])  # the running Anki's (tests may run an older one)

        traffic = status["traffic"]
        recent = traffic["recent"]
        actions = [r["action"] for r in recent]
        assert actions.index("subscribe") < actions.index("nope") < actions.index("createDeck")  # newest first
        nope = recent[actions.index("nope")]
        assert nope["ok"] is False and nope["error"] == "unsupported action" and nope["protocol"] == "http"
        assert recent[actions.index("subscribe")]["protocol"] == "ws"
        assert all(r["action"] != "serverStatus" for r in recent)  # the page's polling is not counted
        assert traffic["refused"][0]["reason"] == "origin" and traffic["refused"][0]["value"] == "https://refused.example"
        assert len(traffic["perSecond"]) == 120 and sum(p[1] for p in traffic["perSecond"]) >= 2

        mine = [c for c in status["clients"] if c["origin"] == "chrome-extension://status-test"]
        assert mine and mine[0]["topics"] == ["note"]
        assert status["events"]["subscribers"] >= 1 and status["events"]["seq"] >= 0

        ws.send(json.dumps({"id": 2, "action": "serverStatus"}))
        over_ws = json.loads(ws.recv(timeout=10))
        assert over_ws["id"] == 2 and over_ws["result"]["anki"]["profile"] == "User 1"


def test_a_bare_result_shaped_like_an_envelope_counts_as_a_success(anki: AnkiProcess) -> None:
    # getDecks groups cards by deck name: cards in decks "result" and "error" give a
    # version-4 (bare) result with exactly those keys. Its "error" key is deck data,
    # not an error: the request succeeded.
    marker = uuid.uuid4().hex[:6]
    cards = []
    for deck in ("result", "error"):
        anki("createDeck", deck=deck)
        note = anki("addNote", note={"deckName": deck, "modelName": "Basic",
                                     "fields": {"Front": f"{deck} {marker}", "Back": "b"}})
        cards += anki("findCards", query=f"nid:{note}")
    try:
        reply = anki.request({"action": "getDecks", "version": 4, "params": {"cards": cards}})
        assert reply == {"result": [cards[0]], "error": [cards[1]]}
        latest = anki("serverStatus")["traffic"]["recent"][0]  # serverStatus itself is not counted
        assert latest["action"] == "getDecks" and latest["protocol"] == "http"
        assert latest["ok"] is True and latest["error"] is None
    finally:
        anki("deleteDecks", decks=["result", "error"], cardsToo=True)
