"""Real headless Anki over ``[::1]``: clients that resolve ``localhost`` to ::1 first
(issue 18: ``ECONNREFUSED ::1:8765`` against AnkiConnect) are answered, under exactly the
rules that apply over 127.0.0.1 (Host, Origin, API key)."""

from __future__ import annotations

import http.client
import json
from typing import Any, Dict, Optional, Tuple

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bench.anki_process import AnkiProcess

from ..support.ipv6 import needs_ipv6
from .conftest import API_KEY


pytestmark = needs_ipv6

Response = Tuple[int, Dict[str, str], bytes]


def post(host: str, port: int, payload: dict[str, Any], headers: Optional[dict[str, str]] = None) -> Response:
    """POST / to host:port; http.client sends ``Host: [::1]:port`` for ::1."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("POST", "/", body=json.dumps(payload).encode(), headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_http_and_websocket_answer_on_ipv6_loopback(anki: AnkiProcess) -> None:
    assert anki.host == "127.0.0.1"  # what the CLI reports: the IPv4 listener
    status, _, body = post("::1", anki.port, {"action": "deckNames", "version": 6})
    assert status == 200 and json.loads(body) == {"result": anki("deckNames"), "error": None}
    with connect(f"ws://[::1]:{anki.port}/", open_timeout=10) as ws:
        ws.send(json.dumps({"id": "v6", "action": "version", "version": 6}))
        assert json.loads(ws.recv(timeout=10)) == {"id": "v6", "result": 6, "error": None}


def test_untrusted_origin_and_foreign_host_are_refused_on_ipv6_as_on_ipv4(anki: AnkiProcess) -> None:
    evil = {"Origin": "https://evil.example"}
    over_ipv4 = post("127.0.0.1", anki.port, {"action": "deckNames", "version": 6}, evil)
    over_ipv6 = post("::1", anki.port, {"action": "deckNames", "version": 6}, evil)
    assert over_ipv4[0] == over_ipv6[0] == 403 and over_ipv4[2] == over_ipv6[2] == b""
    assert over_ipv6[1]["Access-Control-Allow-Origin"] == over_ipv4[1]["Access-Control-Allow-Origin"]
    for host in ("127.0.0.1", "[::1]"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://{host}:{anki.port}/", origin="https://evil.example", open_timeout=10)  # type: ignore[arg-type]
        assert refused.value.response.status_code == 403, host
    status, _, body = post("::1", anki.port, {"action": "version"}, {"Host": "evil.example:8765"})
    assert status == 403 and b"host" in body


def test_the_api_key_guards_ipv6_loopback_too(anki_keyed: AnkiProcess) -> None:
    _, _, body = post("::1", anki_keyed.port, {"action": "deckNames", "version": 6})
    assert json.loads(body) == {"result": None, "error": "valid api key must be provided"}
    _, _, body = post("::1", anki_keyed.port, {"action": "version", "version": 6, "key": API_KEY})
    assert json.loads(body) == {"result": 6, "error": None}
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://[::1]:{anki_keyed.port}/?key=wrong", open_timeout=10)
    assert refused.value.response.status_code == 403
