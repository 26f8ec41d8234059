"""A changed bind address takes effect when the config is saved in Anki, or at the next
profile open; open connections stay."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection

from bench.anki_process import AnkiProcess

from ..support.events import next_event, subscribe
from ..support.waiting import wait_until

#: saves the add-on's config the way Tools > Add-ons > Config > Save does
#: (aqt.addons.ConfigEditor.accept), when the test drops a "save-config" file
CONFIG_EDITOR_PROBE = '''"""Test probe (tests/e2e/test_lifecycle.py): Anki's config editor, minus the dialog."""

import json
from pathlib import Path

from aqt import mw
from aqt.qt import QTimer


def _poll():
    request = Path(mw.pm.base) / "save-config"
    if request.exists():
        config = json.loads(request.read_text())
        request.unlink()
        mw.addonManager.writeConfig("ankiconnect_ws", config)
        mw.addonManager.configUpdatedAction("ankiconnect_ws")(config)
        (Path(mw.pm.base) / "config-saved").write_text("1")


_timer = QTimer(mw)
_timer.timeout.connect(_poll)
_timer.start(20)
'''


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


def test_a_config_saved_in_anki_moves_the_listener_at_once(tmp_path: Path) -> None:
    """The "cannot listen" notice says to change webBindPort in the config: saving it
    must open the listener there, not wait for a profile switch the user does not know of."""
    base = tmp_path / "config-editor"
    process = AnkiProcess(base, files={"addons21/config_editor_probe/__init__.py": CONFIG_EDITOR_PROBE})
    try:
        with process.ws() as ws:
            def address() -> str:
                ws.send(json.dumps({"id": "s", "action": "serverStatus"}))
                return json.loads(ws.recv(timeout=60))["result"]["server"]["address"]

            assert address() == f"127.0.0.1:{process.port}"
            (base / "save-config").write_text(json.dumps({"webBindAddress": "127.0.0.2"}))
            wait_until(lambda: (base / "config-saved").exists(), timeout=10)
            host, port = wait_until(lambda: address().startswith("127.0.0.2:") and address(), timeout=10).split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("POST", "/", body=b'{"action": "version", "version": 6}')
            assert json.loads(conn.getresponse().read()) == {"result": 6, "error": None}
            conn.close()
            ws.send(json.dumps({"id": "v", "action": "version"}))
            assert json.loads(ws.recv(timeout=10))["result"] == 6  # this connection lived on
    finally:
        process.stop()


def _start_batch(watcher: ClientConnection, ws: ClientConnection, front: str, count: int) -> None:
    """Send an addNotes of ``count`` notes (request id "add") on ``ws``; return once its
    first slice is in, seen by ``watcher``: the batch is under way."""
    subscribe(watcher, ["note"])
    notes = [{"deckName": "Default", "modelName": "Basic", "fields": {"Front": f"{front} {i}", "Back": "b"}}
             for i in range(count)]
    ws.send(json.dumps({"id": "add", "action": "addNotes", "params": {"notes": notes}}))
    next_event(watcher, "note.added", timeout=60)


def test_a_batch_in_flight_when_the_profile_closes_is_added_whole(tmp_path: Path) -> None:
    """addNotes runs in slices, with Anki's own turns between them. A profile closed
    between two slices made the rest fail: the client was told "collection is not
    available" while part of the batch had been added (862 of 1,500 in one probe)."""
    process = AnkiProcess(tmp_path / "close-mid-batch")
    try:
        with process.ws() as watcher, process.ws() as ws:
            _start_batch(watcher, ws, "mid-batch", 4000)
            ws.send(json.dumps({"id": "close", "action": "unloadProfile"}))
            replies = {}
            while len(replies) < 2:
                reply = json.loads(ws.recv(timeout=120))
                replies[reply["id"]] = reply
            assert replies["close"] == {"id": "close", "result": True, "error": None}
            assert replies["add"]["error"] is None and len(replies["add"]["result"]) == 4000
            assert all(isinstance(note_id, int) for note_id in replies["add"]["result"])
            ws.send(json.dumps({"id": "open", "action": "loadProfile", "params": {"name": "User 1"}}))
            assert json.loads(ws.recv(timeout=60))["result"] is True
            ws.send(json.dumps({"id": "find", "action": "findNotes", "params": {"query": "mid-batch"}}))
            assert sorted(json.loads(ws.recv(timeout=60))["result"]) == sorted(replies["add"]["result"])
    finally:
        process.stop()


#: Anki's sync as the add-on sees it: its two hooks, fired when the test drops a file
#: (a real sync needs AnkiWeb; Anki fires sync_will_start just before it begins)
SYNC_PROBE = '''"""Test probe (tests/e2e/test_lifecycle.py): the hooks around Anki's sync."""

from pathlib import Path

from aqt import gui_hooks, mw
from aqt.qt import QTimer


def _poll():
    base = Path(mw.pm.base)
    for name, hook in (("sync-start", gui_hooks.sync_will_start), ("sync-finish", gui_hooks.sync_did_finish)):
        if (base / name).exists():
            (base / name).unlink()
            # how much of the test's batch is in when the hook fires
            (base / f"{name}-notes").write_text(str(len(mw.col.find_notes("sync-batch"))))
            hook()


_timer = QTimer(mw)
_timer.timeout.connect(_poll)
_timer.start(20)
'''


def test_a_batch_in_flight_when_anki_starts_to_sync_is_added_whole(tmp_path: Path) -> None:
    """While Anki syncs, collection actions answer "collection is not available". A
    sync starting between two slices of addNotes made the rest of the batch fail, after
    part of it was added (9,379 of 20,000 in one probe)."""
    base = tmp_path / "sync-mid-batch"
    process = AnkiProcess(base, files={"addons21/sync_probe/__init__.py": SYNC_PROBE})
    try:
        with process.ws() as watcher, process.ws() as ws:
            _start_batch(watcher, ws, "sync-batch", 8000)
            (base / "sync-start").write_text("1")
            reply = json.loads(ws.recv(timeout=120))
            assert 0 < int((base / "sync-start-notes").read_text()) < 8000  # the sync began mid-batch
            assert reply["error"] is None and len(reply["result"]) == 8000
            (base / "sync-finish").write_text("1")
            wait_until(lambda: (base / "sync-finish-notes").exists(), timeout=10)
            ws.send(json.dumps({"id": "find", "action": "findNotes", "params": {"query": "sync-batch"}}))
            assert sorted(json.loads(ws.recv(timeout=60))["result"]) == sorted(reply["result"])
    finally:
        process.stop()
