"""serverStatus (ours): the figures behind the status page, over HTTP and WebSocket."""

from __future__ import annotations

import json
import uuid

from .anki_process import AnkiProcess


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
        assert facts["version"].startswith("26.")

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
