"""The running add-on serves its own description (GET /openapi.json, /asyncapi.json),
and what it really sends over the WebSocket matches the AsyncAPI document."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from websockets.sync.client import ClientConnection

from ankiconnect_ws import schema

from bench.anki_process import AnkiProcess
from ..support.schema_check import check_event
from ..support.events import next_event

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_documents_are_served(anki: AnkiProcess) -> None:
    for name in schema.DOCUMENTS:
        committed = (DOCS / name).read_bytes()
        status, headers, body = anki.post(b"", method="GET", path=f"/{name}")
        assert status == 200 and headers["Content-Type"] == "application/json"
        assert body == committed
        status, headers, body = anki.post(b"", method="HEAD", path=f"/{name}")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(committed)


def test_the_typescript_declarations_are_served_as_text(anki: AnkiProcess) -> None:
    """Next to the client they describe; as text (Python's own table says Qt Linguist)."""
    status, headers, body = anki.post(b"", method="GET", path="/status/ankiconnect-ws.d.ts")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body == (DOCS.parent / "web" / "ankiconnect-ws.d.ts").read_bytes()


def test_trusted_pages_may_read_the_documents_others_not(anki: AnkiProcess) -> None:
    _, headers, _ = anki.post(b"", method="GET", path="/openapi.json", headers={"Origin": "http://localhost"})
    assert headers["Access-Control-Allow-Origin"] == "http://localhost"
    status, headers, _ = anki.post(b"", method="GET", path="/asyncapi.json", headers={"Origin": "https://example.com"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


def test_a_post_to_an_operation_path_is_the_api(anki: AnkiProcess) -> None:
    """The OpenAPI document's paths /#action all mean POST / (a client that sends the
    fragment, escaped, reaches the same API)."""
    for path in ("/", "/%23version"):
        status, _, body = anki.post({"action": "version", "version": 6}, path=path)
        assert status == 200 and json.loads(body) == {"result": 6, "error": None}


class AsyncApi:
    """Validates messages against the served AsyncAPI document's component schemas."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def problems(self, component: str, message: Any) -> list[str]:
        # draft 07 ignores a $ref's siblings: the document is the root only for its refs
        validator = Draft7Validator({**self.document, "$ref": f"#/components/schemas/{component}"})
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(message)]


class Client:
    """Requests over one WebSocket, each checked against the AsyncAPI document; events
    that arrive meanwhile are kept for :meth:`event`."""

    def __init__(self, ws: ClientConnection, asyncapi: AsyncApi) -> None:
        self.ws = ws
        self.asyncapi = asyncapi
        self.events: list[dict[str, Any]] = []

    def call(self, action: str, **params: Any) -> Any:
        request_id = uuid.uuid4().hex
        request = {"id": request_id, "action": action, "version": 6, "params": params}
        assert self.asyncapi.problems(f"{action}Request", request) == []
        self.ws.send(json.dumps(request))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("id") == request_id:
                break
            if "event" in message:
                self.events.append(message)
        assert message["error"] is None, message
        assert self.asyncapi.problems(f"{action}Reply", message) == [], message
        return message["result"]

    def event(self, name: str) -> dict[str, Any]:
        """The next event ``name``, checked against its AsyncAPI message (and, through
        test_events.next_event, its 2020-12 schema)."""
        while self.events:
            kept = self.events.pop(0)
            if kept["event"] == name:
                check_event(kept)
                break
        else:
            kept = next_event(self.ws, name)
        component = "Event_" + name.replace(".", "_")
        assert self.asyncapi.problems(component, kept) == [], kept
        return kept


def test_websocket_replies_and_events_match_the_asyncapi_document(anki: AnkiProcess) -> None:
    _, _, body = anki.post(b"", method="GET", path="/asyncapi.json")
    asyncapi = AsyncApi(json.loads(body))
    deck = f"Schema {uuid.uuid4().hex[:6]}"
    with anki.ws() as ws:
        client = Client(ws, asyncapi)
        client.call("subscribe", events="*")
        client.call("createDeck", deck=deck)
        note_id = client.call("addNote", note={"deckName": deck, "modelName": "Basic",
                                               "fields": {"Front": "schema", "Back": "b"}})
        assert client.event("deck.added")["data"]["name"] == deck
        assert note_id in client.event("note.added")["data"]["noteIds"]
        assert client.call("guiDeckReview", name=deck) is True
        card = client.call("guiCurrentCard")
        assert card["cardId"] in client.call("notesInfo", notes=[note_id])[0]["cards"]
        assert client.event("review.question")["data"]["cardId"] == card["cardId"]
        for action in ("guiReviewActive", "guiShowAnswer", "getProfiles", "getActiveProfile", "serverStatus",
                       "guiDeckBrowser", "guiSelectedNotes", "version"):
            client.call(action)
        assert client.call("unsubscribe", events=["review"])["subscribed"] == ["*"]


def test_http_results_of_window_actions_match_their_schemas(anki: AnkiProcess) -> None:
    """anki(...) checks every result against its schema (tests/support/schema_check.py), in
    test_gui.py's calls too (the Browser and the Add window are left to it: it closes
    them)."""
    deck = f"Window {uuid.uuid4().hex[:6]}"
    anki("createDeck", deck=deck)
    anki("addNote", note={"deckName": deck, "modelName": "Basic", "fields": {"Front": "window", "Back": "b"}})
    assert anki("guiDeckOverview", name=deck) is True
    assert anki("guiDeckReview", name=deck) is True
    assert anki("guiCurrentCard")["deckName"] == deck
    assert anki("guiStartCardTimer") is True
    assert anki("guiShowQuestion") is True
    assert anki("guiShowAnswer") is True
    assert anki("guiPlayAudio") is True
    assert anki("guiAnswerCard", ease=3) is True
    assert anki("guiDeckBrowser") is None
    assert anki("guiCurrentCard") is None
    assert anki("getActiveProfile") == "User 1"
    assert "User 1" in anki("getProfiles")


def test_event_schemas_are_2020_12_documents() -> None:
    for name in schema.event_names():
        Draft202012Validator.check_schema(schema.event_schema(name))
