"""Hostile media `path` values against a real Anki (issue 10).

`open()` takes an integer as a file descriptor: `"path": 40` used to read Anki's
descriptor 40 and close it (the listening socket, the collection's WAL ...), `true`
closed stdout. Here every descriptor number Anki has open is sent as `path`; afterwards
its descriptors must be untouched, the server must accept new connections, a note must
be added and read back, and the collection must pass SQLite's integrity check.

This test starts an Anki of its own: on broken code these requests wreck the process,
which must not take the shared session Anki (and every other e2e test) down with it.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import uuid
from pathlib import Path
from typing import Any

from anki.collection import Collection

from ankiconnect_ws.cli import PROFILE

from bench.anki_process import AnkiProcess


def anki_pid(launcher: AnkiProcess) -> int:
    """Anki runs in a child of the `python -m ankiconnect_ws run` launcher."""
    pid = launcher.proc.pid
    (child,) = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return int(child)


def descriptors(pid: int) -> dict[int, str]:
    """Descriptor number -> what it refers to (`socket:[inode]`, a path ...)."""
    found = {}
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found[int(entry.name)] = os.readlink(entry)
        except FileNotFoundError:  # closed meanwhile (Anki's web views come and go)
            continue
    return found


def listening_socket(pid: int, port: int) -> str:
    """The `socket:[inode]` of the server's listening socket, from /proc/PID/net/tcp."""
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                return f"socket:[{fields[9]}]"
    raise AssertionError(f"no listening socket on port {port}")


def lasting(found: dict[int, str], listener: str, base: Path) -> dict[int, str]:
    """The descriptors that stay open while Anki runs and whose loss did the damage:
    0-2, the files of Anki's base folder (profile, collection, WAL), the listening
    socket. (Others come and go by themselves: Qt WebEngine's shared memory and
    sockets, the certificate folder a download or update check reads, and add-on
    source files Python reads while it imports them - the add-on builds its params
    validators in a thread at start-up.)"""
    return {
        fd: target
        for fd, target in found.items()
        if fd <= 2 or target == listener or (target.startswith(f"{base}/") and not target.endswith("(deleted)")
                                             and not target.startswith(f"{base}/addons21/"))
    }


def post(anki: AnkiProcess, payload: dict[str, Any]) -> dict[str, Any]:
    """One request on a new connection, with a short timeout: a hang must fail fast."""
    conn = http.client.HTTPConnection(anki.host, anki.port, timeout=10)
    try:
        conn.request("POST", "/", body=json.dumps(payload))
        response = conn.getresponse()
        assert response.status == 200
        return json.loads(response.read())
    finally:
        conn.close()


def store_by_path(anki: AnkiProcess, path: Any) -> dict[str, Any]:
    return post(anki, {"action": "storeMediaFile", "version": 6, "params": {"filename": "fd.bin", "path": path}})


def test_descriptor_numbers_as_path_leave_anki_working(tmp_path: Path) -> None:
    anki = AnkiProcess(tmp_path / "anki")
    stopped = False
    try:
        pid = anki_pid(anki)
        listener = listening_socket(pid, anki.port)
        before = descriptors(pid)
        kept = lasting(before, listener, tmp_path / "anki")
        collection_file = tmp_path / "anki" / PROFILE / "collection.anki2"
        # the descriptors whose loss did the damage are really there to be hit
        assert {listener, str(collection_file), f"{collection_file}-wal"} <= set(kept.values())

        for path in (0, 1, 2, True, False, *sorted(fd for fd in before if fd > 2)):
            assert store_by_path(anki, path) == {"result": None, "error": f"path must be a file path string: {path}"}
        by_fd = {target: fd for fd, target in kept.items()}
        targets = (listener, str(collection_file), f"{collection_file}-wal")
        notes = [
            {"deckName": "Default", "modelName": "Basic", "fields": {"Front": f"hostile {t}", "Back": ""},
             "picture": [{"path": by_fd[t], "filename": "p.png", "fields": ["Back"]}]}
            for t in targets
        ]
        assert post(anki, {"action": "addNotes", "version": 6, "params": {"notes": notes}}) == {
            "result": [None, None, None], "error": None,
        }

        after = descriptors(pid)
        assert {fd: after.get(fd) for fd in kept} == kept

        # new connections are accepted, over HTTP and WebSocket
        assert anki("version") == 6
        with anki.ws() as ws:
            ws.send(json.dumps({"id": 1, "action": "deckNames", "version": 6}))
            assert json.loads(ws.recv(timeout=10)) == {"id": 1, "result": ["Default"], "error": None}
        # and the collection still works
        front = f"after the storm {uuid.uuid4().hex}"
        nid = anki("addNote", note={"deckName": "Default", "modelName": "Basic",
                                    "fields": {"Front": front, "Back": "still here"}})
        assert anki("notesInfo", notes=[nid])[0]["fields"]["Front"]["value"] == front
        data = base64.b64encode(b"stored after").decode()
        assert anki("storeMediaFile", filename="after.txt", data=data) == "after.txt"
        assert anki("retrieveMediaFile", filename="after.txt") == data

        assert anki.stop() == 0
        stopped = True
        collection = Collection(str(collection_file))
        try:
            assert collection.db.scalar("pragma integrity_check") == "ok"
            assert collection.find_notes("hostile") == []
            assert collection.get_note(nid)["Back"] == "still here"
        finally:
            collection.close()
        assert (collection_file.parent / "collection.media" / "after.txt").read_bytes() == b"stored after"
    finally:
        if not stopped:
            anki.stop()
