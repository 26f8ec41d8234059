"""A changed bind address takes effect at the next profile open; open connections stay."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

import pytest

from bench.anki_process import AnkiProcess


def test_new_bind_address_applies_at_next_profile_open(tmp_path: Path) -> None:
    process = AnkiProcess(tmp_path / "rebind")
    try:
        with process.ws() as ws:
            def call(request_id: str, action: str, **params: object) -> object:
                ws.send(json.dumps({"id": request_id, "action": action, "params": params}))
                reply = json.loads(ws.recv(timeout=60))
                assert reply["error"] is None, reply
                return reply["result"]

            meta = process.base / "addons21" / "ankiconnect_ws" / "meta.json"
            meta.write_text(json.dumps({"config": {"webBindAddress": "127.0.0.2"}}))
            # not yet: the address changes at the next profile open
            assert call("before", "serverStatus")["server"]["address"] == f"127.0.0.1:{process.port}"
            assert call("close", "unloadProfile") is True
            assert call("open", "loadProfile", name="User 1") is True
            address = call("after", "serverStatus")["server"]["address"]
            host, port = address.rsplit(":", 1)
            assert host == "127.0.0.2"
            # the new address answers, the old one is gone, this connection lived on
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("POST", "/", body=b'{"action": "deckNames", "version": 6}')
            assert json.loads(conn.getresponse().read()) == {"result": ["Default"], "error": None}
            conn.close()
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", process.port), timeout=2).close()
            assert call("still", "version") == 6
    finally:
        process.stop()
