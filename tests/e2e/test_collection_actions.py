"""sync, upgrade, reloadCollection, exportPackage and importPackage against a real Anki.

The shared Anki (fixture ``anki``) has no AnkiWeb login. The sync tests that need one
start their own Anki whose profiles point at Anki's own sync server (``python -m
anki.syncserver``) running locally, or at a server that never answers.
"""

from __future__ import annotations

import os
import re
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bench.anki_process import AnkiProcess

from ..support.waiting import wait_until

NOT_LOGGED_IN = "sync: auth not configured"
UNAVAILABLE = "collection is not available"
FULL_SYNC_NEEDED = re.compile(
    r"Sync status [234] not one of \[0, 1\] - see SyncCollectionResponse\.ChangesRequired .*"
)


def unique() -> str:
    return uuid.uuid4().hex[:10]


def add_notes(anki: AnkiProcess, deck: str, fronts: list[str]) -> list[int]:
    anki("createDeck", deck=deck)
    notes = [{"deckName": deck, "modelName": "Basic", "fields": {"Front": f, "Back": f"back of {f}"}} for f in fronts]
    ids = anki("addNotes", notes=notes)
    assert all(isinstance(i, int) for i in ids)
    return ids


def fronts_of(anki: AnkiProcess, note_ids: list[int]) -> list[str]:
    return sorted(info["fields"]["Front"]["value"] for info in anki("notesInfo", notes=note_ids))


def timed(anki: AnkiProcess, action: str, **params: Any) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    reply = anki.envelope(action, **params)
    return reply, time.monotonic() - started


# --- exportPackage / importPackage ------------------------------------------------------


def test_export_delete_import_brings_the_notes_back(anki: AnkiProcess, tmp_path: Path) -> None:
    deck = f"Package {unique()}"
    ids = add_notes(anki, deck, ["alpha", "beta", "gamma"])
    path = tmp_path / "deck.apkg"

    assert anki("exportPackage", deck=deck, path=str(path)) is True
    assert path.stat().st_size > 0

    assert anki("deleteDecks", decks=[deck], cardsToo=True) is None
    assert anki("findNotes", query=f'"deck:{deck}"') == []
    assert deck not in anki("deckNames")

    assert anki("importPackage", path=str(path)) is True

    assert deck in anki("deckNames")
    assert sorted(anki("findNotes", query=f'"deck:{deck}"')) == sorted(ids)
    assert fronts_of(anki, ids) == ["alpha", "beta", "gamma"]


def test_export_of_a_missing_deck_is_false(anki: AnkiProcess, tmp_path: Path) -> None:
    path = tmp_path / "none.apkg"
    assert anki("exportPackage", deck=f"No deck {unique()}", path=str(path)) is False
    assert not path.exists()


def test_import_errors(anki: AnkiProcess, tmp_path: Path) -> None:
    missing = tmp_path / "missing.apkg"
    assert anki.error("importPackage", path=str(missing)) == f"package file was not found: {missing}"
    assert anki.error("importPackage", path=7) == "path must be a file path string: 7"
    assert anki.error("importPackage") == "AnkiConnect.importPackage() missing 1 required positional argument: 'path'"
    junk = tmp_path / "junk.apkg"
    junk.write_bytes(b"not a zip")
    assert "Zip" in anki.error("importPackage", path=str(junk))
    assert anki("deckNames")  # still serving


# --- reloadCollection ---------------------------------------------------------------------


def test_reload_collection_then_the_api_still_works(anki: AnkiProcess) -> None:
    assert anki("reloadCollection") is None
    deck = f"After reload {unique()}"
    ids = add_notes(anki, deck, ["after reload"])
    assert anki("findNotes", query=f'"deck:{deck}"') == ids
    assert anki("reloadCollection") is None
    assert fronts_of(anki, ids) == ["after reload"]


# --- sync and upgrade without a login -------------------------------------------------------


def test_sync_without_login_fails_at_once(anki: AnkiProcess) -> None:
    reply, elapsed = timed(anki, "sync")
    assert reply == {"result": None, "error": NOT_LOGGED_IN}
    assert elapsed < 5
    assert anki("deckNames")


def test_upgrade_is_false_for_an_addon_not_from_ankiweb(anki: AnkiProcess) -> None:
    reply, elapsed = timed(anki, "upgrade")
    assert reply == {"result": False, "error": None}
    assert elapsed < 5


# --- sync with a server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SyncServer:
    """Anki's own sync server with one account, user:pass."""

    def __init__(self, folder: Path) -> None:
        port = free_port()
        env = {**os.environ, "SYNC_USER1": "user:pass", "SYNC_BASE": str(folder),
               "SYNC_HOST": "127.0.0.1", "SYNC_PORT": str(port)}
        self.proc = subprocess.Popen([sys.executable, "-m", "anki.syncserver"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.endpoint = f"http://127.0.0.1:{port}/"
        wait_until(lambda: _accepts(port), timeout=20)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class StalledServer(socketserver.ThreadingTCPServer):
    """Accepts, reads the request, says nothing for HOLD seconds, hangs up."""

    HOLD = 2.0
    daemon_threads = True

    def __init__(self) -> None:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.recv(65536)
                time.sleep(StalledServer.HOLD)

        super().__init__(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server_address[1]}/"
        threading.Thread(target=self.serve_forever, daemon=True).start()


def login(server: SyncServer, folder: Path) -> Any:
    from anki.collection import Collection

    folder.mkdir(parents=True)
    collection = Collection(str(folder / "collection.anki2"))
    try:
        return collection.sync_login("user", "pass", server.endpoint)
    finally:
        collection.close()


def full_upload(collection: Any, auth: Any) -> None:
    collection.sync_collection(auth, False)
    collection.close_for_full_sync()
    collection.full_upload_or_download(auth=auth, server_usn=None, upload=True)
    collection.reopen(after_full_sync=True)


def full_download(folder: Path, auth: Any) -> Any:
    """A fresh collection holding what the server has."""
    from anki.collection import Collection

    folder.mkdir(parents=True)
    collection = Collection(str(folder / "collection.anki2"))
    collection.sync_collection(auth, False)
    collection.close_for_full_sync()
    collection.full_upload_or_download(auth=auth, server_usn=None, upload=False)
    collection.reopen(after_full_sync=True)
    return collection


def add_profile(base: Path, name: str, sync_key: str, endpoint: str) -> None:
    """A profile logged in to ``endpoint``; no automatic syncs (only ours)."""
    from aqt.profiles import ProfileManager

    from ankiconnect_ws.cli import prepare_base

    prepare_base(base, name)
    pm = ProfileManager(ProfileManager.get_created_base_folder(str(base)))
    pm.setupMeta()
    pm.load(name)
    pm.profile.update(syncKey=sync_key, syncUser="user", autoSync=False, syncMedia=False)
    pm.set_custom_sync_url(endpoint)
    pm.save()
    pm.db.close()


@dataclass
class SyncWorld:
    anki: AnkiProcess
    server: SyncServer
    auth: Any
    baseline_front: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncWorld]:
    from anki.collection import Collection

    root = tmp_path_factory.mktemp("sync")
    server = SyncServer(root / "server")
    stalled = StalledServer()
    anki = None
    try:
        auth = login(server, root / "login")
        base = root / "anki"
        add_profile(base, "User 1", auth.hkey, server.endpoint)
        add_profile(base, "Fresh", auth.hkey, server.endpoint)
        add_profile(base, "BadKey", "not-a-valid-key", server.endpoint)
        add_profile(base, "Stalled", auth.hkey, stalled.endpoint)
        # "User 1" starts in step with the server, so its syncs are normal syncs.
        baseline_front = f"baseline {unique()}"
        (base / "User 1").mkdir()
        collection = Collection(str(base / "User 1" / "collection.anki2"))
        note = collection.new_note(collection.models.by_name("Basic"))
        note["Front"] = baseline_front
        collection.add_note(note, 1)
        full_upload(collection, auth)
        collection.close()
        anki = AnkiProcess(base)
        yield SyncWorld(anki, server, auth, baseline_front)
    finally:
        if anki is not None:
            anki.stop()
        stalled.shutdown()
        stalled.server_close()
        server.stop()


def use_profile(anki: AnkiProcess, name: str) -> None:
    assert anki("loadProfile", name=name) is True


def test_sync_sends_new_notes_to_the_server(world: SyncWorld, tmp_path: Path) -> None:
    anki = world.anki
    use_profile(anki, "User 1")
    assert anki("findNotes", query=f'"Front:{world.baseline_front}"')

    assert anki("sync") is None
    front = f"synced {unique()}"
    add_notes(anki, "Default", [front])
    assert anki("sync") is None

    observer = full_download(tmp_path / "observer", world.auth)
    try:
        fronts = {observer.get_note(nid)["Front"] for nid in observer.find_notes("")}
    finally:
        observer.close()
    assert {front, world.baseline_front} <= fronts


def test_sync_that_needs_a_full_sync_is_an_error(world: SyncWorld) -> None:
    anki = world.anki
    use_profile(anki, "Fresh")  # never synced, while the server has a collection
    error = anki.error("sync")
    assert FULL_SYNC_NEEDED.fullmatch(error), error
    assert anki("deckNames") == ["Default"]  # nothing was overwritten
    use_profile(anki, "User 1")


def test_sync_with_a_rejected_login_forgets_it(world: SyncWorld) -> None:
    anki = world.anki
    use_profile(anki, "BadKey")
    assert "password" in anki.error("sync")
    assert anki.error("sync") == NOT_LOGGED_IN  # as Anki does: the login is cleared
    use_profile(anki, "User 1")


def test_sync_runs_off_the_main_thread_and_reports_network_errors(world: SyncWorld) -> None:
    anki = world.anki
    use_profile(anki, "Stalled")
    outcome: dict[str, Any] = {}

    def run_sync() -> None:
        started = time.monotonic()
        outcome["reply"] = anki.envelope("sync")
        outcome["elapsed"] = time.monotonic() - started

    syncing = threading.Thread(target=run_sync)
    syncing.start()
    try:
        # While the sync waits on the network, Anki keeps answering at once.
        reply, elapsed = wait_until(lambda: _while_syncing(anki), timeout=StalledServer.HOLD)
        assert reply == {"result": None, "error": UNAVAILABLE}
        assert elapsed < 1
        assert anki("version") == 6
    finally:
        syncing.join(60)
    assert outcome["reply"]["result"] is None
    assert "network error" in outcome["reply"]["error"].lower()
    assert outcome["elapsed"] >= StalledServer.HOLD * 0.9
    assert anki("deckNames") == ["Default"]  # available again
    use_profile(anki, "User 1")


def _while_syncing(anki: AnkiProcess) -> tuple[dict[str, Any], float] | None:
    reply, elapsed = timed(anki, "deckNames")
    return (reply, elapsed) if reply["error"] else None
